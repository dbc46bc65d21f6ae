// `up` in named steps: fresh run folder, secrets, ports and a first state file (phase
// 'starting', so an interrupted `up` can be cleaned up), the tools, the services and the
// clusters side by side, the clusters recorded and handed to the GKE endpoints, then phase
// 'running'. On failure whatever was started is stopped again.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../common/errors.ts';
import { clusterState, gkeClusters, REGIONS, startClusters } from './clusters.ts';
import { makeSecrets, PROJECT, type Secrets, writeCredentialFiles } from './credentials.ts';
import { stopState } from './down.ts';
import { httpRequest } from './http.ts';
import { writeCombinedKubeconfig } from './kubeconfig.ts';
import { loadModule } from './load.ts';
import { entryOf } from './pids.ts';
import { startClusterEndpoints, withPrivateEndpoints } from './private-access.ts';
import type { Spawned } from './proc.ts';
import { prometheusBinary } from './prometheus.ts';
import { registryState } from './registry.ts';
import { gkeCall } from './servers/client.ts';
import { nodeServer, type ServicePorts, servicePorts, startServices } from './services.ts';
import {
  codeHash,
  repoRoot,
  STATE_VERSION,
  statePath,
  type TestbedState,
  testbedDir,
  writeState,
} from './state.ts';
import type { ToolPaths } from './tools.ts';

const SLACK_HOOK_PATH = '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';

export type Log = (line: string) => void;

export interface StartOptions {
  clusters?: number;
  /** Nodes per cluster (kwok fake nodes). */
  nodes?: number;
  log?: Log;
}

type ToolsModule = typeof import('./tools.ts');

/** Milliseconds per step, for the closing log line and the state file. */
class Stopwatch {
  readonly timings: Record<string, number> = {};
  readonly t0 = Date.now();
  lap(name: string, since: number): void {
    this.timings[name] = Date.now() - since;
  }
  async time<T>(name: string, step: () => Promise<T> | T): Promise<T> {
    const since = Date.now();
    const result = await step();
    this.lap(name, since);
    return result;
  }
}

function checkClusterCount(count: number): number {
  if (!Number.isInteger(count) || count < 0 || count > REGIONS.length) {
    throw new Error(`--clusters must be an integer from 0 to ${REGIONS.length}`);
  }
  return count;
}

function freshRunDir(): { dir: string; runDir: string; logDir: string } {
  const dir = testbedDir();
  const runDir = join(dir, 'run');
  const logDir = join(runDir, 'logs');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  return { dir, runDir, logDir };
}

function initialState(
  dirs: ReturnType<typeof freshRunDir>,
  secrets: Secrets,
  ports: ServicePorts,
  watch: Stopwatch,
): TestbedState {
  const gkeUrl = `https://127.0.0.1:${ports.gke}`;
  const proxyUrl = `http://127.0.0.1:${ports.proxy}`;
  const slackUrl = `http://127.0.0.1:${ports.slack}`;
  const metricsUrl = `http://127.0.0.1:${ports.metrics}`;
  return {
    version: STATE_VERSION,
    phase: 'starting',
    startedAt: new Date(watch.t0).toISOString(),
    ownerPid: process.pid,
    root: repoRoot(),
    ...dirs,
    stateFile: statePath(),
    project: { ...PROJECT },
    token: secrets.token,
    tokenFile: secrets.tokenFile,
    ca: { cert: secrets.ca.cert, bundle: secrets.bundle },
    kubeconfig: join(dirs.runDir, 'kubeconfig'),
    clusters: [],
    gke: {
      url: gkeUrl,
      apiEndpoint: gkeUrl,
      tokenUrl: `${gkeUrl}/token`,
      stsUrl: `${gkeUrl}/v1/token`,
      iamCredentialsUrl: gkeUrl,
    },
    credentials: writeCredentialFiles(dirs.runDir, secrets, gkeUrl),
    gcs: { url: `http://127.0.0.1:${ports.gcs}`, proxyUrl, faultsUrl: `${proxyUrl}/_testbed/faults` },
    slack: {
      url: slackUrl,
      webhookUrl: `${slackUrl}${SLACK_HOOK_PATH}`,
      requestsUrl: `${slackUrl}/_testbed/requests`,
      responsesUrl: `${slackUrl}/_testbed/responses`,
    },
    access: {
      endpointsUrl: `http://127.0.0.1:${ports.endpoints}`,
      forwardProxyUrl: `http://127.0.0.1:${ports.forwardProxy}`,
      connectGatewayUrl: gkeUrl,
    },
    prometheus: {
      binary: prometheusBinary(),
      url: `http://127.0.0.1:${ports.prometheus}`,
      managedUrl: `${gkeUrl}/v1/projects/${PROJECT.id}/location/global/prometheus`,
      serviceMetricsUrl: metricsUrl,
      rulesUrl: `${metricsUrl}/_testbed/rules`,
    },
    registry: registryState(dirs.dir, dirs.runDir, ports.registry),
    tools: {},
    processes: [],
    timings: watch.timings,
    codeHash: codeHash(),
  };
}

async function locateTools(clusterCount: number, log: Log): Promise<ToolPaths> {
  const { ensureTools } = await loadModule<ToolsModule>('./tools.ts', 'the tool builder');
  const only: (keyof ToolPaths)[] | undefined = clusterCount === 0 ? ['fakeGcsServer'] : undefined;
  return ensureTools({ log, ...(only ? { only } : {}) }).catch((err: unknown) => {
    throw new Error(`locating or building the testbed's tools failed: ${errorMessage(err)}`);
  });
}

// Building tools takes minutes, finding them milliseconds: that tells a cold start from a warm one.
function summary(timings: Record<string, number>): string {
  const kind = (timings['tools'] ?? 0) > 5000 ? 'cold (tools were built)' : 'warm';
  const steps = Object.entries(timings)
    .filter(([k]) => k !== 'total')
    .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
    .join(', ');
  return `testbed up in ${((timings['total'] ?? 0) / 1000).toFixed(1)} s, ${kind} (${steps})`;
}

interface UpRun {
  opts: StartOptions;
  log: Log;
  watch: Stopwatch;
  count: number;
}

/** Everything after the first state file: processes are tracked in it as they start. */
async function startProcesses(
  state: TestbedState,
  secrets: Secrets,
  ports: ServicePorts,
  run: UpRun,
): Promise<void> {
  const { opts, log, watch, count } = run;
  const track = (p: Spawned) => {
    state.processes.push(entryOf(p));
    writeState(state);
    return p;
  };
  const tools = await watch.time('tools', () => locateTools(count, log));
  state.tools = { ...tools };
  // Everything that does not depend on the clusters starts while they boot.
  const servicesStart = Date.now();
  const clusterNames = REGIONS.slice(0, count);
  const servicesReady = startServices(state, ports, secrets, tools, track, clusterNames).then(() =>
    watch.lap('services', servicesStart),
  );
  // Awaited below; until then a failure must not surface as an unhandled rejection.
  servicesReady.catch(() => {});
  const clusterOpts = { count, nodes: opts.nodes, ca: secrets.ca, tools, log, track };
  const clusters = await watch.time('clusters', () => startClusters(state, clusterOpts));
  for (const c of clusters) state.clusters.push(await clusterState(c, state.token));
  writeCombinedKubeconfig(
    state,
    clusters.map((c) => c.caPem),
  );
  const start = (name: string, file: string, config: unknown) => track(nodeServer(name, file, config, state));
  const endpoints = await watch.time('endpoints', () =>
    startClusterEndpoints(state, clusters, secrets.ca, start),
  );
  state.clusters = state.clusters.map((c, i) => ({ ...c, ...endpoints[i] }));
  await servicesReady;
  const forGke = withPrivateEndpoints(gkeClusters(clusters, state.clusters, opts.nodes), endpoints);
  await watch.time('gke', () => gkeCall(state, 'PUT', '/_testbed/clusters', forGke));
  const forMetrics = clusters.map((c) => ({ name: c.name, server: c.server, caPem: c.caPem }));
  const put = await httpRequest('PUT', `${state.prometheus.serviceMetricsUrl}/_testbed/clusters`, {
    body: forMetrics,
  });
  if (put.status !== 200)
    throw new Error(`service-metrics: PUT /_testbed/clusters -> ${put.status} ${put.body}`);
}

/** Starts a testbed from nothing and writes the state file (the caller holds the lock). */
export async function bringUp(opts: StartOptions, log: Log): Promise<TestbedState> {
  const watch = new Stopwatch();
  const count = checkClusterCount(opts.clusters ?? 2);
  const dirs = freshRunDir();
  const secrets = await watch.time('pki', () => makeSecrets(dirs.dir, dirs.runDir));
  const ports = await servicePorts();
  const state = initialState(dirs, secrets, ports, watch);
  writeState(state);
  try {
    await startProcesses(state, secrets, ports, { opts, log, watch, count });
  } catch (err) {
    log(`testbed up failed; stopping what was started`);
    await stopState(state, log);
    throw err;
  }
  state.phase = 'running';
  watch.timings['total'] = Date.now() - watch.t0;
  writeState(state);
  log(summary(watch.timings));
  return state;
}
