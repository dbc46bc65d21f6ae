// The testbed's state file, `.testbed/state.json` in the repository root: every address,
// file and PID of a running testbed. Written by `testbed up`, read by `status`, `env`,
// `down`, by useTestbed() and by e2e tests. All paths in it are absolute.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RegistryState } from './registry.ts';

export const STATE_VERSION = 1;

/** One process the testbed started; `startTime` guards against killing a reused PID. */
export interface ProcessEntry {
  name: string;
  pid: number;
  logFile: string;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22), when known. */
  startTime?: number;
}

export interface ClusterState {
  /** Cluster name, also the GKE location (a region): asia-northeast1, us-central1, ... */
  name: string;
  location: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** host:port, as the GKE API's `endpoint` field reports it. */
  endpoint: string;
  caFile: string;
  /** A kubeconfig for this cluster alone (cluster-admin). */
  adminKubeconfig: string;
  /** The context for this cluster in the combined kubeconfig: gke_<project>_<location>_<name>. */
  context: string;
  /** Kubernetes version of the apiserver (git version), when it could be read. */
  version?: string;
  dir: string;
  /** 127.0.0.2:<port>: its internal IP, as privateClusterConfig.privateEndpoint reports it. */
  privateEndpoint?: string;
  /** localhost:<port>: its DNS endpoint (dnsEndpointConfig.endpoint). */
  dnsEndpoint?: string;
  /** projects/<number>/locations/global/memberships/<name>: its fleet membership. */
  membership?: string;
}

export interface TestbedState {
  version: typeof STATE_VERSION;
  /** 'starting' while `up` runs (PIDs so far are already listed, so `down` can clean up), then 'running'. */
  phase: 'starting' | 'running';
  startedAt: string;
  /** PID of the process that ran `up` (the CLI, or the mocha process through useTestbed). */
  ownerPid: number;
  /** The repository root and the testbed's directories. */
  root: string;
  dir: string;
  runDir: string;
  logDir: string;
  stateFile: string;
  project: { id: string; number: string };
  /** The bearer token every apiserver accepts and every local token grant returns. */
  token: string;
  tokenFile: string;
  ca: {
    /** The testbed CA certificate (PEM). */
    cert: string;
    /** The system CA bundle followed by the testbed CA: use it as NODE_EXTRA_CA_CERTS for child processes. */
    bundle: string;
  };
  /** Combined kubeconfig, one context per cluster (first cluster's context is current). */
  kubeconfig: string;
  clusters: ClusterState[];
  gke: {
    /** Base URL of the local Google endpoints: https://127.0.0.1:<port> */
    url: string;
    /** Kubernetes Engine API root (in place of https://container.googleapis.com). */
    apiEndpoint: string;
    /** OAuth 2.0 token endpoint (in place of https://oauth2.googleapis.com/token). */
    tokenUrl: string;
    /** STS token exchange (in place of https://sts.googleapis.com/v1/token). */
    stsUrl: string;
    /** IAM Credentials root (in place of https://iamcredentials.googleapis.com). */
    iamCredentialsUrl: string;
  };
  credentials: {
    serviceAccountEmail: string;
    /** Service-account key JSON signed-for by the local token endpoint. */
    serviceAccountKeyFile: string;
    /** external_account config: file-sourced subject token, token_url = gke.stsUrl. */
    externalAccountFile: string;
    /** The same, with service_account_impersonation_url pointing at the local IAM Credentials. */
    externalAccountImpersonationFile: string;
    subjectTokenFile: string;
    audience: string;
  };
  gcs: {
    /** fake-gcs-server itself: use as @google-cloud/storage `apiEndpoint`. */
    url: string;
    /** The fault proxy in front of it. */
    proxyUrl: string;
    /** POST/GET/DELETE here to plan and count faults. */
    faultsUrl: string;
  };
  slack: {
    /** Base URL of the sink. */
    url: string;
    /** A webhook URL shaped like Slack's (any path under the sink is accepted). */
    webhookUrl: string;
    /** GET/DELETE: recorded requests. */
    requestsUrl: string;
    /** POST: queue answers. */
    responsesUrl: string;
  };
  /** The ways into private clusters (private-access.ts). */
  access: {
    /** The clusters' internal-IP and DNS endpoints: GET/DELETE <url>/_testbed/requests. */
    endpointsUrl: string;
    /** The forward proxy for `proxy_url` (http://127.0.0.1:<port>): GET/DELETE <url>/_testbed/requests. */
    forwardProxyUrl: string;
    /** The Connect gateway root (in place of https://connectgateway.googleapis.com): the GKE stand-in. */
    connectGatewayUrl: string;
  };
  prometheus: {
    /** The prometheus binary (Debian's package). */
    binary: string;
    /** The testbed's Prometheus itself: http://127.0.0.1:<port> (its HTTP API under /api/v1). */
    url: string;
    /** The Managed Prometheus API root on the GKE stand-in (in place of
     * https://monitoring.googleapis.com/v1/projects/<project>/location/global/prometheus). */
    managedUrl: string;
    /** The service-metrics server Prometheus scrapes (GET /metrics/<cluster>). */
    serviceMetricsUrl: string;
    /** POST/GET/DELETE here: error ratio and latency per image tag. */
    rulesUrl: string;
  };
  /** The container registry (TLS from the testbed CA, basic auth): registry.ts. */
  registry: RegistryState;
  /** Paths of the built tools (kubectl, kube-apiserver, fake-gcs-server, ...), from tools.ts. */
  tools: Partial<
    Record<
      | 'etcd'
      | 'kubeApiserver'
      | 'kubeControllerManager'
      | 'kubeScheduler'
      | 'kubectl'
      | 'kwok'
      | 'fakeGcsServer',
      string
    >
  >;
  processes: ProcessEntry[];
  timings: Record<string, number>;
  /** Hash of the code the testbed's processes run (servers/, kube/): `codeHash()` differs once it changed. */
  codeHash: string;
}

/** The repository root, from this file's location (test/testbed/state.ts). */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** `.testbed/` in the repository root (or $TESTBED_DIR). */
export function testbedDir(): string {
  return process.env['TESTBED_DIR'] ? resolve(process.env['TESTBED_DIR']) : join(repoRoot(), '.testbed');
}

/** The state file: $TESTBED_STATE, else `.testbed/state.json`. */
export function statePath(): string {
  return process.env['TESTBED_STATE']
    ? resolve(process.env['TESTBED_STATE'])
    : join(testbedDir(), 'state.json');
}

/** The state of the testbed, or null when none was started (or the file is unreadable). */
export function readState(file = statePath()): TestbedState | null {
  if (!existsSync(file)) return null;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as TestbedState;
    return state.version === STATE_VERSION ? state : null;
  } catch {
    return null;
  }
}

/** Writes the state atomically (write + rename), mode 0600 since it holds the token. */
export function writeState(state: TestbedState, file = statePath()): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export function removeState(file = statePath()): void {
  rmSync(file, { force: true });
}

/**
 * A hash of the code a running testbed executes (test/testbed/servers and kube): when it no
 * longer matches the state's, the running processes are stale and `up` replaces them.
 */
export function codeHash(): string {
  const hash = createHash('sha256');
  const base = join(repoRoot(), 'test', 'testbed');
  for (const sub of ['servers', 'kube']) {
    const dir = join(base, sub);
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
    for (const f of files) {
      const file = join(dir, f);
      try {
        hash.update(`${sub}/${f}\0`).update(readFileSync(file)).update('\0');
      } catch {
        // a folder
      }
    }
  }
  return hash.digest('hex').slice(0, 16);
}
