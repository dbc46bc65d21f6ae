// Runs the gke-deploy and rollback bundles as child processes against the testbed, the way a
// Drone step runs them: PLUGIN_* settings, the real GKE credential flow (service-account key ->
// local OAuth -> local Kubernetes Engine API -> kubeconfig with a tokenFile the plugin keeps fresh -> kubectl).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateBundle } from '../../helpers/bundle.ts';
import { type Captured, runChild } from '../../helpers/canary.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import { serviceAccountKey } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = join(root, 'test', 'fixtures', 'gke-deploy');

/**
 * The plugin's bundle, built once per mocha process into a private folder (test/helpers/
 * bundle.ts): a run that lasts minutes loads chunks late, and another test run or `npm run
 * build` may rebuild dist/ meanwhile.
 */
export function bundled(name: 'gke-deploy' | 'rollback'): Promise<string> {
  return privateBundle(name);
}

/** The two-cluster testbed, with gke-deploy's and rollback's bundles built: a suite's `before`. */
export async function deployTestbed(): Promise<TestbedState> {
  const tb = await useTestbed({ clusters: 2 });
  await Promise.all([bundled('gke-deploy'), bundled('rollback')]);
  return tb;
}

/** A fresh workspace: a copy of a fixture folder in a temp directory. */
export function workspace(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gke-deploy-ws-'));
  cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  return dir;
}

/** Rewrites the workspace's .kube.yml (a test's variation on the fixture). */
export function editManifests(ws: string, edit: (text: string) => string): void {
  const file = join(ws, '.kube.yml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}

const made: string[] = [];

/** A new namespace name, remembered for removeNamespaces(). */
export function uniqueNamespace(prefix = 'e2e'): string {
  const ns = `${prefix}-${randomBytes(3).toString('hex')}`;
  made.push(ns);
  return ns;
}

/**
 * Deletes, without waiting, every namespace uniqueNamespace() named since the last call, on
 * every cluster. For afterEach: kwok's fake nodes take a limited number of pods (3 nodes,
 * 110 each), and a suite that leaves every test's pods behind runs out of them.
 */
export async function removeNamespaces(tb: TestbedState): Promise<void> {
  const names = made.splice(0);
  if (names.length === 0) return;
  await Promise.all(
    tb.clusters.map((_, i) =>
      kubectl(tb, i, ['delete', 'namespace', ...names, '--wait=false', '--ignore-not-found']).catch(
        () => undefined,
      ),
    ),
  );
}

// The testbed's key, from the testbed's one helper for it (re-exported for the tests here).
export { serviceAccountKey };

/** Settings for the GKE flow to every testbed cluster. */
/** The Drone build a test's runs belong to. */
export const DRONE_BUILD_ENV: Readonly<Record<string, string>> = {
  DRONE: 'true',
  DRONE_REPO: 'acme/web',
  DRONE_COMMIT_AUTHOR: 'alice',
  DRONE_BUILD_LINK: 'https://drone.example.com/acme/web/1',
};

/** The settings that reach the testbed's GKE clusters in `namespace` (the images add nothing else). */
export function gkeImageEnv(
  tb: TestbedState,
  namespace: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PLUGIN_TOKEN: serviceAccountKey(tb),
    PLUGIN_CLUSTERS: tb.clusters.map((c) => `${c.location}/${c.name}`).join(','),
    PLUGIN_GKE_ENDPOINT: tb.gke.apiEndpoint,
    PLUGIN_TOKEN_URL: tb.gke.tokenUrl,
    PLUGIN_NAMESPACE: namespace,
    ...extra,
  };
}

/** gkeImageEnv for a bundle run on this machine: its kubectl, the testbed's CA, a Drone build. */
export function gkeEnv(
  tb: TestbedState,
  namespace: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: `${dirname(tb.tools.kubectl as string)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '/tmp',
    NODE_EXTRA_CA_CERTS: tb.ca.bundle,
    ...gkeImageEnv(tb, namespace, { ...DRONE_BUILD_ENV, ...extra }),
  };
}

export async function runPlugin(
  name: 'gke-deploy' | 'rollback',
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 180_000,
): Promise<Captured & { stdout: string; stderr: string }> {
  return runChild(process.execPath, [await bundled(name)], env, timeoutMs, cwd);
}

/** kubectl as the cluster admin, for checking what the plugin did. */
export function kubectl(tb: TestbedState, cluster: number, args: readonly string[]): Promise<string> {
  const c = tb.clusters[cluster];
  if (!c) throw new Error(`no cluster ${cluster}`);
  return new Promise((res, rej) => {
    execFile(
      tb.tools.kubectl as string,
      [`--kubeconfig=${c.adminKubeconfig}`, ...args],
      (err, stdout, stderr) => (err ? rej(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : res(stdout)),
    );
  });
}

export async function deploymentOf(tb: TestbedState, cluster: number, ns: string, name = 'web') {
  const o = JSON.parse(await kubectl(tb, cluster, ['-n', ns, 'get', 'deployment', name, '-o', 'json'])) as {
    metadata: { annotations: Record<string, string>; labels: Record<string, string> };
    spec: {
      strategy: { type: string; rollingUpdate?: { maxSurge: unknown; maxUnavailable: unknown } };
      template: {
        metadata: { annotations?: Record<string, string> };
        spec: { containers: { image: string }[] };
      };
    };
    status: { readyReplicas?: number; updatedReplicas?: number; replicas?: number };
  };
  return { ...o, image: o.spec.template.spec.containers[0]?.image };
}

export async function namespaceExists(tb: TestbedState, cluster: number, ns: string): Promise<boolean> {
  return (
    (await kubectl(tb, cluster, ['get', 'namespace', ns, '--ignore-not-found', '-o', 'name'])).trim() !== ''
  );
}

/**
 * Settings that keep a deploy holding its lock for about `seconds` after its rollouts: a
 * metrics check that always passes (`vector(0)` on the testbed's Prometheus), measured once a
 * second. A test that needs a second run to find the lock held waits for the holder's
 * `HOLDING` line: however slowly the second run starts on a loaded machine, the lock is still
 * held when it asks.
 */
export function holdLockEnv(tb: TestbedState, seconds: number): Record<string, string> {
  return {
    PLUGIN_ANALYSIS: JSON.stringify([
      { name: 'hold', query: 'vector(0)', max: 1, interval: '1s', count: seconds },
    ]),
    PLUGIN_ANALYSIS_ENDPOINT: tb.prometheus.url,
    PLUGIN_ANALYSIS_DELAY: '1s',
    PLUGIN_ANALYSIS_TIMEOUT: `${seconds * 3}s`,
  };
}

/** What a holder of holdLockEnv prints once it holds the lock with its rollouts done. */
export const HOLDING = /\] hold 0 ≤ 1 \(1\//;
