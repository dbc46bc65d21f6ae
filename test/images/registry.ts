// The testbed's registry for the image tests and the Drone run: its access as
// scripts/images/publish.ts takes it, and its HTTP API.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { RegistryAccess } from '../../scripts/images/publish.ts';
import type { TestbedState } from '../testbed/state.ts';

/** The testbed's registry as publish.ts takes it: images under <host>/drone-gke-plugins. */
export function testbedRegistry(tb: TestbedState): RegistryAccess {
  if (!tb.registry) {
    throw new Error('the running testbed has no registry (it predates it): stop it (testbed down) and rerun');
  }
  return {
    registry: `${tb.registry.host}/drone-gke-plugins`,
    username: tb.registry.username,
    password: tb.registry.password,
    certDir: tb.registry.certDir,
  };
}

/** GET on the registry's API with basic auth, over TLS checked against the testbed CA. */
export function registryGet(
  tb: TestbedState,
  path: string,
  auth = true,
): Promise<{ status: number; body: string }> {
  const { username, password, url } = tb.registry;
  const headers: Record<string, string> = {
    accept: [
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.v2+json',
    ].join(', '),
  };
  if (auth) headers['authorization'] = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { ca: readFileSync(tb.ca.cert, 'utf8'), headers, agent: false },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * The manifests the registry served (200), from its access log, as `<repo>:<tag>` or
 * `<repo>@<digest>`: what was pulled from it, in order.
 */
export function registryPulls(tb: TestbedState): string[] {
  const text = readFileSync(join(tb.logDir, 'registry.log'), 'utf8');
  const served = /"(?:GET|HEAD) \/v2\/(\S+)\/manifests\/(\S+) HTTP\/[\d.]+" 200 /g;
  return [...text.matchAll(served)].map(
    ([, repo, ref]) => `${repo}${ref!.startsWith('sha256:') ? '@' : ':'}${ref}`,
  );
}
