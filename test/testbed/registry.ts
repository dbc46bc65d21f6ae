// The testbed's container registry: Debian's `docker-registry` package (the CNCF distribution
// registry, 2.8, packaged; its /usr/bin/docker-registry only, never its system service), run
// as the testbed's own process on 127.0.0.1 with TLS (a certificate from the testbed CA) and
// basic auth (an htpasswd file with one bcrypt entry, from apache2-utils' htpasswd, the format
// the registry reads). Its storage is kept in the testbed folder across `up`s, like the CA,
// so images pushed once are still there after a restart.
//
// Debian's package rather than a build from the Go module proxy: it is the same code
// (github.com/docker/distribution 2.8.2), needs no Go build on a first run, and the
// testbed already takes Prometheus from Debian the same way.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackages } from './debian.ts';
import { httpGet } from './http.ts';
import { type CertFiles, issueCert } from './pki.ts';
import { type Spawned, spawnDetached } from './proc.ts';
import type { TestbedState } from './state.ts';

export interface RegistryState {
  /** host:port, as image names carry it: 127.0.0.1:<port>/drone-gke-plugins/gke-deploy */
  host: string;
  /** https://127.0.0.1:<port> */
  url: string;
  username: string;
  password: string;
  /** A folder with the testbed CA as ca.crt: podman's --cert-dir, containers' certs.d/<host>. */
  certDir: string;
  /** The registry's storage (kept across restarts). */
  storage: string;
}

const USER = 'testbed';

/** The registry's part of the state file, before it runs. */
export function registryState(dir: string, runDir: string, port: number): RegistryState {
  const host = `127.0.0.1:${port}`;
  return {
    host,
    url: `https://${host}`,
    username: USER,
    password: randomBytes(18).toString('base64url'),
    certDir: join(runDir, 'registry', 'certs.d', host),
    storage: join(dir, 'registry-storage'),
  };
}

function registryBinary(log: (line: string) => void): string {
  ensureDebianPackages(
    [
      { command: 'docker-registry', package: 'docker-registry' },
      { command: 'htpasswd', package: 'apache2-utils' },
    ],
    log,
  );
  return 'docker-registry';
}

/** One bcrypt entry (htpasswd -B; the password goes in on stdin, not the command line). */
function writeHtpasswd(file: string, user: string, password: string): void {
  const r = spawnSync('htpasswd', ['-niB', user], { input: `${password}\n`, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`htpasswd -niB failed: ${r.stderr || r.error}`);
  writeFileSync(file, r.stdout, { mode: 0o600 });
}

function registryConfig(state: TestbedState, port: number, cert: CertFiles, htpasswd: string): unknown {
  return {
    version: 0.1,
    // The access log is how a test sees what was pulled, and by whom.
    log: { level: 'warn', accesslog: { disabled: false } },
    storage: { filesystem: { rootdirectory: state.registry.storage }, delete: { enabled: true } },
    http: {
      addr: `127.0.0.1:${port}`,
      secret: randomBytes(16).toString('hex'),
      tls: { certificate: cert.cert, key: cert.key },
    },
    auth: { htpasswd: { realm: 'drone-gke-plugins testbed registry', path: htpasswd } },
  };
}

/** Starts the registry on `port` (config as JSON, which is YAML too); wait with registryReady. */
export function startRegistry(
  state: TestbedState,
  port: number,
  ca: CertFiles,
  log: (line: string) => void = (line) => console.error(`[testbed] ${line}`),
): Spawned {
  const binary = registryBinary(log);
  const dir = join(state.runDir, 'registry');
  mkdirSync(state.registry.storage, { recursive: true });
  mkdirSync(state.registry.certDir, { recursive: true });
  copyFileSync(ca.cert, join(state.registry.certDir, 'ca.crt'));
  const cert = issueCert(ca, dir, 'registry', {
    cn: 'testbed registry',
    sans: ['IP:127.0.0.1', 'DNS:localhost'],
    usage: 'server',
  });
  const htpasswd = join(dir, 'htpasswd');
  writeHtpasswd(htpasswd, state.registry.username, state.registry.password);
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, `${JSON.stringify(registryConfig(state, port, cert, htpasswd), null, 2)}\n`, {
    mode: 0o600,
  });
  return spawnDetached('registry', binary, ['serve', configFile], { logDir: state.logDir, cwd: dir });
}

/** Ready: TLS checks out against the testbed CA and /v2/ asks for credentials. */
export async function registryReady(state: TestbedState, ca: string): Promise<boolean> {
  return (await httpGet(`${state.registry.url}/v2/`, { ca, timeoutMs: 2000 })).status === 401;
}
