// The servers that do not depend on the clusters: fake-gcs-server, the fault proxy in front of
// it, the Slack sink, the forward proxy for `proxy_url`, the GKE/OAuth endpoints and the
// service-metrics server (both start with no clusters; the clusters are added once they run),
// Prometheus scraping the latter, and the container registry (registry.ts).
// Each server file runs as its own node process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIENCE, PROJECT, type Secrets, writeJson } from './credentials.ts';
import { answers200 } from './http.ts';
import { freePort, type Spawned, spawnDetached, waitFor } from './proc.ts';
import { startPrometheus } from './prometheus.ts';
import { registryReady, startRegistry } from './registry.ts';
import type { GkeServerConfig } from './servers/gke-api.ts';
import { repoRoot, type TestbedState } from './state.ts';
import type { ToolPaths } from './tools.ts';

export interface ServicePorts {
  gke: number;
  gcs: number;
  proxy: number;
  slack: number;
  metrics: number;
  prometheus: number;
  /** The control port of the clusters' private endpoints, and the forward proxy. */
  endpoints: number;
  forwardProxy: number;
  registry: number;
}

export async function servicePorts(): Promise<ServicePorts> {
  const [gke, gcs, proxy, slack, metrics, prometheus, endpoints, forwardProxy, registry] = await Promise.all(
    Array.from({ length: 9 }, () => freePort()),
  );
  return {
    gke: gke!,
    gcs: gcs!,
    proxy: proxy!,
    slack: slack!,
    metrics: metrics!,
    prometheus: prometheus!,
    endpoints: endpoints!,
    forwardProxy: forwardProxy!,
    registry: registry!,
  };
}

type Track = (p: Spawned) => Spawned;

export function nodeServer(name: string, file: string, config: unknown, state: TestbedState): Spawned {
  const configFile = join(state.runDir, `${name}.json`);
  writeJson(configFile, config, 0o600);
  const entry = fileURLToPath(new URL(`./servers/${file}`, import.meta.url));
  return spawnDetached(name, process.execPath, ['--import', 'tsx', entry, configFile], {
    logDir: state.logDir,
    cwd: repoRoot(),
  });
}

function fakeGcsServer(state: TestbedState, port: number, binary: string): Spawned {
  const args = ['-scheme', 'http', '-host', '127.0.0.1', '-port', String(port), '-backend', 'memory'];
  args.push('-public-host', `127.0.0.1:${port}`, '-external-url', state.gcs.url, '-log-level', 'warn');
  return spawnDetached('fake-gcs-server', binary, args, { logDir: state.logDir, cwd: state.runDir });
}

function gkeServerConfig(port: number, secrets: Secrets, prometheusUrl: string): GkeServerConfig {
  const { email, publicKeyPem, keyId } = secrets.serviceAccount;
  return {
    port,
    certFile: secrets.serverCert.cert,
    keyFile: secrets.serverCert.key,
    project: PROJECT.id,
    projectNumber: PROJECT.number,
    accessToken: secrets.token,
    serviceAccount: { email, publicKeyPem, keyId },
    externalAccount: { audience: AUDIENCE, subjectToken: secrets.subjectToken },
    clusters: [],
    prometheusUrl,
  };
}

/** Starts the servers; resolves once each answers its health URL (rejects when one dies). */
export function startServices(
  state: TestbedState,
  ports: ServicePorts,
  secrets: Secrets,
  tools: ToolPaths,
  track: Track,
  /** The clusters Prometheus scrapes, named before they run. */
  clusterNames: readonly string[],
): Promise<void> {
  const gcs = track(fakeGcsServer(state, ports.gcs, tools.fakeGcsServer));
  const faultProxyConfig = { port: ports.proxy, upstream: state.gcs.url };
  const proxy = track(nodeServer('fault-proxy', 'fault-proxy.ts', faultProxyConfig, state));
  const slack = track(nodeServer('slack-sink', 'slack-sink.ts', { port: ports.slack }, state));
  const gkeConfig = gkeServerConfig(ports.gke, secrets, state.prometheus.url);
  const gke = track(nodeServer('gke', 'gke.ts', gkeConfig, state));
  const metricsConfig = { port: ports.metrics, token: state.token };
  const metrics = track(nodeServer('service-metrics', 'service-metrics.ts', metricsConfig, state));
  const prometheus = track(startPrometheus(state, ports.prometheus, clusterNames));
  const forwardProxy = track(
    nodeServer('forward-proxy', 'forward-proxy.ts', { port: ports.forwardProxy }, state),
  );
  const registry = track(startRegistry(state, ports.registry, secrets.ca));
  const ca = readFileSync(secrets.ca.cert, 'utf8');
  const ready = (what: string, url: string, proc: Spawned, opts: { ca?: string } = {}) =>
    waitFor(() => answers200(url, { ...opts, timeoutMs: 2000 }), { what, timeoutMs: 20_000, proc });
  return Promise.all([
    ready('gke/oauth endpoints', `${state.gke.url}/_testbed/health`, gke, { ca }),
    ready('fake-gcs-server', `${state.gcs.url}/storage/v1/b`, gcs),
    ready('gcs fault proxy', `${state.gcs.proxyUrl}/_testbed/health`, proxy),
    ready('slack sink', `${state.slack.url}/_testbed/health`, slack),
    ready('service-metrics', `${state.prometheus.serviceMetricsUrl}/_testbed/health`, metrics),
    ready('prometheus', `${state.prometheus.url}/-/ready`, prometheus),
    ready('forward proxy', `${state.access.forwardProxyUrl}/_testbed/health`, forwardProxy),
    waitFor(() => registryReady(state, ca), { what: 'registry', timeoutMs: 20_000, proc: registry }),
  ]).then(() => undefined);
}
