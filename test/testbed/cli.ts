// The testbed's lifecycle: `tsx test/testbed/cli.ts up|down|status|env`.
//
//   up [--clusters N]  start N local clusters (default 2), the GKE/OAuth endpoints, fake-gcs-server
//                      behind the fault proxy and the Slack sink; write .testbed/state.json
//   status             what is running and healthy, what is dead (exit 1 when not all is well)
//   env                shell `export` lines for the running testbed
//   down               stop exactly the PIDs in the state file and remove it
//
// startTestbed()/stopTestbed() are what useTestbed() (hooks.ts) calls in-process.
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { rootCertificates } from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify as toYaml } from 'yaml';
import type { ClusterInfo } from './kube/cluster.ts';
import { isAlive } from './pids.ts';
import { ensureCA, ensureRsaKey, issueCert } from './pki.ts';
import { freePort, type Spawned, spawnDetached, waitFor } from './proc.ts';
import { gkeCall } from './servers/client.ts';
import type { GkeClusterConfig, GkeServerConfig } from './servers/gke.ts';
import {
  type ClusterState,
  codeHash,
  type ProcessEntry,
  readState,
  removeState,
  repoRoot,
  STATE_VERSION,
  statePath,
  type TestbedState,
  testbedDir,
  writeState,
} from './state.ts';
import type { ToolPaths } from './tools.ts';

// The Kubernetes half (tools.ts, kube/cluster.ts) is loaded lazily, so `up --clusters 0`
// needs no Kubernetes tools and importing this module does nothing.
type ToolsModule = typeof import('./tools.ts');
type ClusterModule = typeof import('./kube/cluster.ts');
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function loadModule<T>(relative: string, what: string): Promise<T> {
  const url = new URL(relative, import.meta.url);
  try {
    return (await import(url.href)) as T;
  } catch (err) {
    throw new Error(
      `testbed: cannot load ${what} (${relative}): ${err instanceof Error ? err.message : err}`,
    );
  }
}

/** GKE regions the clusters are named after, in order. */
export const REGIONS = [
  'asia-northeast1',
  'us-central1',
  'europe-west1',
  'us-east1',
  'asia-southeast1',
  'europe-west4',
  'us-west1',
  'australia-southeast1',
];

const PROJECT = { id: 'testbed-project', number: '123456789012' };
const SA_EMAIL = `testbed-deployer@${PROJECT.id}.iam.gserviceaccount.com`;
const AUDIENCE = `//iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/testbed-pool/providers/testbed-provider`;
const SLACK_HOOK_PATH = '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

export type Log = (line: string) => void;

export interface StartOptions {
  clusters?: number;
  /** Nodes per cluster (kwok fake nodes). */
  nodes?: number;
  log?: Log;
}

// ---------------------------------------------------------------- small helpers

/** Start time of a process (clock ticks since boot) from /proc; undefined where unknown. */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function entryOf(p: Spawned): ProcessEntry {
  const startTime = processStartTime(p.pid);
  return startTime === undefined ? { ...p } : { ...p, startTime };
}

/**
 * Alive and not a zombie. A detached child whose starter has exited is reaped by PID 1 only
 * now and then, and kill(pid, 0) succeeds on a zombie: that alone would make `down` wait.
 */
export function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** True when the PID is running and is still the process we started (not a reused PID). */
export function isOurs(p: ProcessEntry): boolean {
  if (!isRunning(p.pid)) return false;
  if (p.startTime === undefined) return true;
  const now = processStartTime(p.pid);
  return now === undefined || now === p.startTime;
}

interface GetResult {
  status: number;
  body: string;
}

/** A GET with a short timeout; https URLs are checked against `ca`. */
export function httpGet(
  url: string,
  opts: { ca?: string; token?: string; timeoutMs?: number } = {},
): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers: Record<string, string> = {};
    if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      { method: 'GET', headers, ca: opts.ca, timeout: opts.timeoutMs ?? 2000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const ok = async (url: string, opts: { ca?: string; token?: string } = {}) =>
  (await httpGet(url, opts)).status === 200;

/** System CA bundle + testbed CA, for NODE_EXTRA_CA_CERTS (read only when node starts). */
function writeCaBundle(caCert: string, bundle: string): void {
  const parts: string[] = [];
  const system = [
    '/etc/ssl/certs/ca-certificates.crt',
    '/etc/pki/tls/certs/ca-bundle.crt',
    '/etc/ssl/cert.pem',
  ].find((f) => existsSync(f));
  parts.push(system ? readFileSync(system, 'utf8') : rootCertificates.join('\n'));
  const extra = process.env['NODE_EXTRA_CA_CERTS'];
  if (extra && extra !== system && extra !== bundle && existsSync(extra))
    parts.push(readFileSync(extra, 'utf8'));
  parts.push(readFileSync(caCert, 'utf8'));
  writeFileSync(bundle, `${parts.map((p) => p.trimEnd()).join('\n')}\n`);
}

function writeJson(file: string, value: unknown, mode = 0o644): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode });
}

/** Serialises `up` between processes (two mocha runs, or a CLI and a test run). */
async function withLock<T>(dir: string, fn: () => Promise<T>, log: Log): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'lock');
  const deadline = Date.now() + 10 * 60_000;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch {
      const holder = Number(readFileSync(lock, 'utf8').trim() || '0');
      if (!holder || !isAlive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`testbed: ${lock} held by pid ${holder} for too long`);
      if (!told) log(`waiting for pid ${holder}, which holds ${lock}`);
      told = true;
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

// ---------------------------------------------------------------- health

export interface Health {
  healthy: boolean;
  lines: { what: string; ok: boolean; detail: string }[];
}

export async function checkHealth(state: TestbedState): Promise<Health> {
  const lines: Health['lines'] = [];
  for (const p of state.processes) {
    const alive = isOurs(p);
    lines.push({ what: `process ${p.name}`, ok: alive, detail: `pid ${p.pid}${alive ? '' : ' (dead)'}` });
  }
  const ca = existsSync(state.ca.cert) ? readFileSync(state.ca.cert, 'utf8') : undefined;
  const probes: [string, string, { ca?: string; token?: string }][] = [
    ['gke/oauth endpoints', `${state.gke.url}/_testbed/health`, { ca }],
    ['fake-gcs-server', `${state.gcs.url}/storage/v1/b`, {}],
    ['gcs fault proxy', `${state.gcs.proxyUrl}/_testbed/health`, {}],
    ['slack sink', `${state.slack.url}/_testbed/health`, {}],
    ...state.clusters.map((c): [string, string, { ca?: string; token?: string }] => [
      `cluster ${c.name}`,
      `${c.server}/readyz`,
      { ca: existsSync(c.caFile) ? readFileSync(c.caFile, 'utf8') : ca, token: state.token },
    ]),
  ];
  const results = await Promise.all(
    probes.map(async ([what, url, opts]) => {
      // Two tries with a generous timeout: on a loaded machine a slow answer is not a dead
      // service, and an unhealthy verdict makes `up`/useTestbed replace the testbed.
      let detail = '';
      for (let attempt = 0; attempt < 2; attempt++) {
        if (attempt > 0) await sleep(500);
        try {
          const r = await httpGet(url, { ...opts, timeoutMs: 5000 });
          if (r.status === 200) return { what, ok: true, detail: `${url} -> 200` };
          detail = `${url} -> ${r.status}`;
        } catch (err) {
          detail = `${url} -> ${errorText(err)}`;
        }
      }
      return { what, ok: false, detail };
    }),
  );
  lines.push(...results);
  return { healthy: state.phase === 'running' && lines.every((l) => l.ok), lines };
}

// ---------------------------------------------------------------- up

function nodeServer(name: string, file: string, config: unknown, runDir: string, logDir: string): Spawned {
  const configFile = join(runDir, `${name}.json`);
  writeJson(configFile, config, 0o600);
  const entry = fileURLToPath(new URL(`./servers/${file}`, import.meta.url));
  return spawnDetached(name, process.execPath, ['--import', 'tsx', entry, configFile], {
    logDir,
    cwd: repoRoot(),
  });
}

/**
 * Starts a testbed and writes the state file; reuses a healthy running one. On failure,
 * whatever was started is stopped again and the error says which part failed and why.
 */
export async function startTestbed(opts: StartOptions = {}): Promise<TestbedState> {
  const log: Log = opts.log ?? (() => {});
  const dir = testbedDir();
  return withLock(
    dir,
    async () => {
      const existing = readState();
      if (existing) {
        const health = await checkHealth(existing);
        const enough = existing.clusters.length >= (opts.clusters ?? 2);
        const current = existing.codeHash === codeHash();
        if (health.healthy && enough && current) {
          log(`testbed already running (started ${existing.startedAt}); reusing it`);
          return existing;
        }
        log(
          !health.healthy
            ? 'a previous testbed is not healthy: stopping what is left of it'
            : !enough
              ? `the running testbed has ${existing.clusters.length} clusters, fewer than asked: replacing it`
              : 'the testbed code (servers/, kube/) changed since the running testbed started: replacing it',
        );
        await stopState(existing, log);
      }
      return bringUp(opts, log);
    },
    log,
  );
}

async function bringUp(opts: StartOptions, log: Log): Promise<TestbedState> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => {
    timings[name] = Date.now() - since;
  };
  const clusterCount = opts.clusters ?? 2;
  if (!Number.isInteger(clusterCount) || clusterCount < 0 || clusterCount > REGIONS.length) {
    throw new Error(`--clusters must be an integer from 0 to ${REGIONS.length}`);
  }
  const root = repoRoot();
  const dir = testbedDir();
  const runDir = join(dir, 'run');
  const logDir = join(runDir, 'logs');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });

  // PKI and credentials. The CA and the service-account key live outside run/ so they stay
  // the same across up/down (a shell that trusts the bundle keeps trusting it).
  let t = Date.now();
  const pkiDir = join(dir, 'pki');
  const ca = ensureCA(pkiDir);
  const bundle = join(dir, 'ca-bundle.pem');
  writeCaBundle(ca.cert, bundle);
  const serverCert = issueCert(ca, join(runDir, 'pki'), 'gke-endpoints', {
    cn: 'testbed GKE endpoints',
    sans: ['IP:127.0.0.1', 'DNS:localhost'],
    usage: 'server',
  });
  const saKey = ensureRsaKey(pkiDir, 'service-account');
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(runDir, 'token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const subjectToken = randomBytes(32).toString('base64url');
  const subjectTokenFile = join(runDir, 'subject-token');
  writeFileSync(subjectTokenFile, subjectToken, { mode: 0o600 });
  lap('pki', t);

  const [gkePort, gcsPort, proxyPort, slackPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const gkeUrl = `https://127.0.0.1:${gkePort}`;
  const gcsUrl = `http://127.0.0.1:${gcsPort}`;
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const slackUrl = `http://127.0.0.1:${slackPort}`;
  const publicKeyPem = readFileSync(saKey.publicKey, 'utf8');
  const keyId = createHash('sha1').update(publicKeyPem).digest('hex');

  const credentials = {
    serviceAccountEmail: SA_EMAIL,
    serviceAccountKeyFile: join(runDir, 'service-account.json'),
    externalAccountFile: join(runDir, 'external-account.json'),
    externalAccountImpersonationFile: join(runDir, 'external-account-impersonation.json'),
    subjectTokenFile,
    audience: AUDIENCE,
  };
  writeJson(
    credentials.serviceAccountKeyFile,
    {
      type: 'service_account',
      project_id: PROJECT.id,
      private_key_id: keyId,
      private_key: readFileSync(saKey.privateKey, 'utf8'),
      client_email: SA_EMAIL,
      client_id: '100000000000000000001',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: `${gkeUrl}/token`,
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(SA_EMAIL)}`,
      universe_domain: 'googleapis.com',
    },
    0o600,
  );
  const externalAccount = {
    type: 'external_account',
    audience: AUDIENCE,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${gkeUrl}/v1/token`,
    credential_source: { file: subjectTokenFile },
    universe_domain: 'googleapis.com',
  };
  writeJson(credentials.externalAccountFile, externalAccount);
  writeJson(credentials.externalAccountImpersonationFile, {
    ...externalAccount,
    service_account_impersonation_url: `${gkeUrl}/v1/projects/-/serviceAccounts/${SA_EMAIL}:generateAccessToken`,
  });

  const clusterNames = REGIONS.slice(0, clusterCount);
  const state: TestbedState = {
    version: STATE_VERSION,
    phase: 'starting',
    startedAt: new Date(t0).toISOString(),
    ownerPid: process.pid,
    root,
    dir,
    runDir,
    logDir,
    stateFile: statePath(),
    project: { ...PROJECT },
    token,
    tokenFile,
    ca: { cert: ca.cert, bundle },
    kubeconfig: join(runDir, 'kubeconfig'),
    clusters: [],
    gke: {
      url: gkeUrl,
      apiEndpoint: gkeUrl,
      tokenUrl: `${gkeUrl}/token`,
      stsUrl: `${gkeUrl}/v1/token`,
      iamCredentialsUrl: gkeUrl,
    },
    credentials,
    gcs: { url: gcsUrl, proxyUrl, faultsUrl: `${proxyUrl}/_testbed/faults` },
    slack: {
      url: slackUrl,
      webhookUrl: `${slackUrl}${SLACK_HOOK_PATH}`,
      requestsUrl: `${slackUrl}/_testbed/requests`,
      responsesUrl: `${slackUrl}/_testbed/responses`,
    },
    tools: {},
    processes: [],
    timings,
    codeHash: codeHash(),
  };
  const track = (p: Spawned) => {
    state.processes.push(entryOf(p));
    writeState(state);
    return p;
  };
  writeState(state);

  try {
    t = Date.now();
    const toolsModule = await loadModule<ToolsModule>('./tools.ts', 'the tool builder');
    const tools = await toolsModule
      .ensureTools({
        log,
        ...(clusterCount === 0 ? { only: ['fakeGcsServer'] as (keyof ToolPaths)[] } : {}),
      })
      .catch((err: unknown) => {
        throw new Error(`locating or building the testbed's tools failed: ${errorText(err)}`);
      });
    lap('tools', t);
    state.tools = { ...tools };

    // Everything that does not depend on the clusters starts while they boot.
    const servicesStart = Date.now();
    const gcs = track(
      spawnDetached(
        'fake-gcs-server',
        tools.fakeGcsServer,
        [
          '-scheme',
          'http',
          '-host',
          '127.0.0.1',
          '-port',
          String(gcsPort),
          '-backend',
          'memory',
          '-public-host',
          `127.0.0.1:${gcsPort}`,
          '-external-url',
          gcsUrl,
          '-log-level',
          'warn',
        ],
        { logDir, cwd: runDir },
      ),
    );
    const proxy = track(
      nodeServer('fault-proxy', 'fault-proxy.ts', { port: proxyPort, upstream: gcsUrl }, runDir, logDir),
    );
    const slack = track(nodeServer('slack-sink', 'slack-sink.ts', { port: slackPort }, runDir, logDir));
    // The GKE/OAuth endpoints start now with no clusters; the clusters are added once they run.
    const gkeConfig: GkeServerConfig = {
      port: gkePort,
      certFile: serverCert.cert,
      keyFile: serverCert.key,
      project: PROJECT.id,
      projectNumber: PROJECT.number,
      accessToken: token,
      serviceAccount: { email: SA_EMAIL, publicKeyPem, keyId },
      externalAccount: { audience: AUDIENCE, subjectToken },
      clusters: [],
    };
    const gke = track(nodeServer('gke', 'gke.ts', gkeConfig, runDir, logDir));
    const caPem = readFileSync(ca.cert, 'utf8');
    const servicesReady = Promise.all([
      waitFor(() => ok(`${gkeUrl}/_testbed/health`, { ca: caPem }), {
        what: 'gke/oauth endpoints',
        timeoutMs: 20_000,
        proc: gke,
      }),
      waitFor(() => ok(`${gcsUrl}/storage/v1/b`), { what: 'fake-gcs-server', timeoutMs: 20_000, proc: gcs }),
      waitFor(() => ok(`${proxyUrl}/_testbed/health`), {
        what: 'gcs fault proxy',
        timeoutMs: 20_000,
        proc: proxy,
      }),
      waitFor(() => ok(`${slackUrl}/_testbed/health`), {
        what: 'slack sink',
        timeoutMs: 20_000,
        proc: slack,
      }),
    ]).then(() => lap('services', servicesStart));
    // Awaited below; until then a failure must not surface as an unhandled rejection.
    servicesReady.catch(() => {});

    const tc = Date.now();
    let clusters: ClusterInfo[] = [];
    if (clusterCount > 0) {
      const clusterModule = await loadModule<ClusterModule>('./kube/cluster.ts', 'the cluster launcher');
      const settled = await Promise.allSettled(
        clusterNames.map((name) =>
          clusterModule.startCluster({
            name,
            dir: join(runDir, 'clusters', name),
            logDir: join(logDir, name),
            ca,
            token,
            ...(opts.nodes !== undefined ? { nodes: opts.nodes } : {}),
            tools,
            log,
          }),
        ),
      );
      for (const s of settled) if (s.status === 'fulfilled') s.value.processes.forEach(track);
      const failures = settled
        .map((s, i) =>
          s.status === 'rejected' ? `cluster ${clusterNames[i]}: ${errorText(s.reason)}` : null,
        )
        .filter((f): f is string => f !== null);
      if (failures.length > 0) throw new Error(`starting clusters failed:\n${failures.join('\n')}`);
      clusters = settled.map((s) => (s as PromiseFulfilledResult<ClusterInfo>).value);
    }
    lap('clusters', tc);

    for (const c of clusters) {
      const endpoint = new URL(c.server).host;
      let version: string | undefined;
      try {
        const v = await httpGet(`${c.server}/version`, { ca: c.caPem, token });
        version = (JSON.parse(v.body) as { gitVersion?: string }).gitVersion;
      } catch {
        version = undefined;
      }
      const entry: ClusterState = {
        name: c.name,
        location: c.name,
        server: c.server,
        endpoint,
        caFile: c.caFile,
        adminKubeconfig: c.adminKubeconfig,
        context: `gke_${PROJECT.id}_${c.name}_${c.name}`,
        dir: c.dir,
      };
      if (version) entry.version = version;
      state.clusters.push(entry);
    }
    writeCombinedKubeconfig(state, clusters);

    await servicesReady;
    t = Date.now();
    const gkeClusters: GkeClusterConfig[] = clusters.map((c, i) => {
      const v = /^v?(\d+\.\d+\.\d+)/.exec(state.clusters[i]?.version ?? '');
      return {
        name: c.name,
        location: c.name,
        endpoint: new URL(c.server).host,
        caPem: c.caPem,
        ...(v ? { version: `${v[1]}-gke.0` } : {}),
        nodes: opts.nodes ?? 3,
      };
    });
    await gkeCall(state, 'PUT', '/_testbed/clusters', gkeClusters);
    lap('gke', t);

    state.phase = 'running';
    timings['total'] = Date.now() - t0;
    writeState(state);
    // Building tools takes minutes, finding them milliseconds: that tells a cold start from a warm one.
    const kind = (timings['tools'] ?? 0) > 5000 ? 'cold (tools were built)' : 'warm';
    log(
      `testbed up in ${(timings['total'] / 1000).toFixed(1)} s, ${kind} ` +
        `(${Object.entries(timings)
          .filter(([k]) => k !== 'total')
          .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
          .join(', ')})`,
    );
    return state;
  } catch (err) {
    log(`testbed up failed; stopping what was started`);
    await stopState(state, log);
    throw err;
  }
}

function writeCombinedKubeconfig(state: TestbedState, clusters: ClusterInfo[]): void {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: clusters.map((c, i) => ({
      name: state.clusters[i]!.context,
      cluster: { server: c.server, 'certificate-authority-data': Buffer.from(c.caPem).toString('base64') },
    })),
    users: clusters.map((_c, i) => ({ name: state.clusters[i]!.context, user: { token: state.token } })),
    contexts: clusters.map((_c, i) => ({
      name: state.clusters[i]!.context,
      context: { cluster: state.clusters[i]!.context, user: state.clusters[i]!.context },
    })),
    'current-context': state.clusters[0]?.context ?? '',
  };
  writeFileSync(state.kubeconfig, toYaml(doc), { mode: 0o600 });
}

// ---------------------------------------------------------------- down

/** TERM to each process group, KILL after `graceMs` to whatever still runs. */
async function terminate(pids: readonly number[], graceMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals, only: readonly number[]) => {
    for (const pid of only) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, sig);
        } catch {
          // gone already, or not a group leader
        }
      }
    }
  };
  signal('SIGTERM', pids);
  const deadline = Date.now() + graceMs;
  while (pids.some(isRunning) && Date.now() < deadline) await sleep(25);
  const stubborn = pids.filter(isRunning);
  if (stubborn.length === 0) return;
  signal('SIGKILL', stubborn);
  const hard = Date.now() + 3000;
  while (stubborn.some(isRunning) && Date.now() < hard) await sleep(25);
}

/**
 * Processes whose command line or working folder is inside `runDir`: every process a testbed
 * starts names a file under its run folder. Used only after an `up` that did not finish, when
 * a cluster may have started processes whose PIDs never reached the state file.
 */
export function processesUnder(runDir: string): ProcessEntry[] {
  const prefix = runDir.endsWith('/') ? runDir : `${runDir}/`;
  const found: ProcessEntry[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return found;
  }
  for (const d of pids) {
    const pid = Number(d);
    if (pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        cwd = '';
      }
      if (cmdline.includes(prefix) || `${cwd}/`.startsWith(prefix)) {
        const name = cmdline.split(' ')[0]?.split('/').pop() ?? String(pid);
        found.push({ name, pid, logFile: '' });
      }
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found.filter((p) => isRunning(p.pid));
}

async function stopState(state: TestbedState, log: Log): Promise<void> {
  const ours = state.processes.filter(isOurs);
  if (state.phase === 'starting') {
    for (const p of processesUnder(state.runDir)) {
      if (ours.some((o) => o.pid === p.pid)) continue;
      log(`also stopping ${p.name} (${p.pid}): started by an unfinished up, not yet in the state file`);
      ours.push(p);
    }
  }
  const reused = state.processes.filter((p) => isRunning(p.pid) && !ours.includes(p));
  for (const p of reused) log(`pid ${p.pid} (${p.name}) now belongs to another process: leaving it alone`);
  if (ours.length > 0) {
    log(`stopping ${ours.map((p) => `${p.name} (${p.pid})`).join(', ')}`);
    // A short grace: the testbed is disposable, and kube-apiserver and etcd take many seconds to drain.
    await terminate(
      ours.map((p) => p.pid),
      1500,
    );
  }
  const left = ours.filter((p) => isRunning(p.pid));
  if (left.length > 0)
    throw new Error(`testbed: could not stop ${left.map((p) => `${p.name} (${p.pid})`).join(', ')}`);
  removeState(state.stateFile);
  rmSync(state.runDir, { recursive: true, force: true });
}

/** Stops the testbed in the state file (if any). Returns false when there was none. */
export async function stopTestbed(opts: { log?: Log } = {}): Promise<boolean> {
  const log = opts.log ?? (() => {});
  const state = readState();
  if (!state) return false;
  await stopState(state, log);
  return true;
}

// ---------------------------------------------------------------- env

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function envVars(state: TestbedState): Record<string, string> {
  return {
    TESTBED_STATE: state.stateFile,
    KUBECONFIG: state.kubeconfig,
    NODE_EXTRA_CA_CERTS: state.ca.bundle,
    TESTBED_CA_CERT: state.ca.cert,
    TESTBED_CA_BUNDLE: state.ca.bundle,
    TESTBED_TOKEN_FILE: state.tokenFile,
    TESTBED_PROJECT: state.project.id,
    TESTBED_CLUSTERS: state.clusters.map((c) => `${c.location}/${c.name}`).join(','),
    TESTBED_GKE_API: state.gke.apiEndpoint,
    TESTBED_OAUTH_TOKEN_URL: state.gke.tokenUrl,
    TESTBED_STS_URL: state.gke.stsUrl,
    TESTBED_SA_KEY_FILE: state.credentials.serviceAccountKeyFile,
    TESTBED_EXTERNAL_ACCOUNT_FILE: state.credentials.externalAccountFile,
    TESTBED_GCS_ENDPOINT: state.gcs.url,
    TESTBED_GCS_PROXY_ENDPOINT: state.gcs.proxyUrl,
    TESTBED_SLACK_WEBHOOK_URL: state.slack.webhookUrl,
  };
}

// ---------------------------------------------------------------- CLI

function parseArgs(argv: string[]): { command: string; clusters?: number; nodes?: number } {
  const [command = 'help', ...rest] = argv;
  const out: { command: string; clusters?: number; nodes?: number } = { command };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? rest[++i];
      if (v === undefined || !/^\d+$/.test(v)) throw new Error(`${flag} needs a number`);
      return Number(v);
    };
    if (flag === '--clusters') out.clusters = value();
    else if (flag === '--nodes') out.nodes = value();
    else throw new Error(`unknown argument ${arg}`);
  }
  return out;
}

const USAGE = `usage: tsx test/testbed/cli.ts <command>
  up [--clusters N] [--nodes N]   start the testbed (default 2 clusters), or reuse a healthy one
  status                          what is running; exit 1 unless all is healthy
  env                             shell export lines: eval "$(npx tsx test/testbed/cli.ts env)"
  down                            stop the processes in the state file and remove it`;

export async function main(argv: string[]): Promise<number> {
  const started = Date.now();
  const log: Log = (line) =>
    process.stderr.write(`[testbed +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
  const args = parseArgs(argv);
  switch (args.command) {
    case 'up': {
      // Ctrl-C during up: stop what was started so far (the state file says, phase 'starting').
      const interrupted = () => {
        log('interrupted: stopping what was started');
        stopTestbed({ log }).finally(() => {
          const lock = join(testbedDir(), 'lock');
          if (existsSync(lock) && readFileSync(lock, 'utf8').trim() === String(process.pid)) rmSync(lock);
          process.exit(130);
        });
      };
      process.once('SIGINT', interrupted);
      process.once('SIGTERM', interrupted);
      const state = await startTestbed({
        log,
        ...(args.clusters !== undefined ? { clusters: args.clusters } : {}),
        ...(args.nodes !== undefined ? { nodes: args.nodes } : {}),
      });
      console.log(`testbed running; state in ${state.stateFile}`);
      for (const c of state.clusters) console.log(`  cluster ${c.name}: ${c.server} (context ${c.context})`);
      console.log(`  GKE/OAuth: ${state.gke.url}`);
      console.log(`  GCS: ${state.gcs.url} (fault proxy ${state.gcs.proxyUrl})`);
      console.log(`  Slack: ${state.slack.webhookUrl}`);
      console.log(
        `  done in ${((Date.now() - started) / 1000).toFixed(1)} s; eval "$(npx tsx test/testbed/cli.ts env)"`,
      );
      return 0;
    }
    case 'status': {
      const state = readState();
      if (!state) {
        console.log(`testbed: not running (no ${statePath()})`);
        return 1;
      }
      const health = await checkHealth(state);
      console.log(`testbed ${state.phase}, started ${state.startedAt} by pid ${state.ownerPid}`);
      for (const l of health.lines) console.log(`  ${l.ok ? 'ok  ' : 'DEAD'} ${l.what}: ${l.detail}`);
      if (state.codeHash !== codeHash()) {
        console.log('  note: the testbed code changed since it started; `up` will replace it');
      }
      console.log(health.healthy ? 'healthy' : 'NOT healthy: run `down` then `up`');
      return health.healthy ? 0 : 1;
    }
    case 'env': {
      const state = readState();
      if (!state) {
        console.error(`testbed: not running (no ${statePath()}); run \`up\` first`);
        return 1;
      }
      for (const [k, v] of Object.entries(envVars(state))) console.log(`export ${k}=${shellQuote(v)}`);
      return 0;
    }
    case 'down': {
      const stopped = await stopTestbed({ log });
      console.log(stopped ? 'testbed stopped' : 'testbed: nothing to stop');
      return 0;
    }
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command ${args.command}\n${USAGE}`);
      return 2;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`testbed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
