// The apps' "service metrics", for the testbed's Prometheus to scrape: one target per
// cluster, GET /metrics/{cluster}, simulated from the Pods really running there (traffic.ts):
// request counters by status code and a latency histogram per namespace, Deployment and
// image tag, the error ratio and latency of each tag set by the tests.
//
//   GET    /metrics/{cluster}     Prometheus text format (404 for a cluster not yet known,
//                                 503 when its apiserver does not answer)
//   GET    /_testbed/health       -> {"ok":true}
// Control API:
//   PUT    /_testbed/clusters     [MetricsCluster...]  the clusters to read Pods from (the
//                                 launcher starts this server before the clusters are up)
//   POST   /_testbed/rules        TrafficRule | TrafficRule[]  e.g. {"tag":"broken-metrics",
//                                 "errorRatio":0.2,"latencyMs":800}; replaces that tag's rule
//   GET    /_testbed/rules        -> {"rules":[TrafficRule...]}
//   DELETE /_testbed/rules        back to the default: no errors, 20 ms
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { errorMessage } from '../../../common/errors.ts';
import { httpGet } from '../http.ts';
import { isMain, type Listening, listen, readJson, runAsProcess, sendJson, sendText } from './http-util.ts';
import { type PodLike, podGroups, Traffic, type TrafficRule } from './traffic.ts';

export interface ServiceMetricsConfig {
  port: number;
  /** The bearer token the apiservers accept. */
  token: string;
}

export interface MetricsCluster {
  name: string;
  /** https://127.0.0.1:<port> of its apiserver. */
  server: string;
  caPem: string;
}

interface Context {
  config: ServiceMetricsConfig;
  clusters: Map<string, MetricsCluster>;
  traffic: Traffic;
}

async function listPods(ctx: Context, cluster: MetricsCluster): Promise<PodLike[]> {
  const opts = { ca: cluster.caPem, token: ctx.config.token, timeoutMs: 3000 };
  const res = await httpGet(`${cluster.server}/api/v1/pods`, opts);
  if (res.status !== 200) throw new Error(`listing pods in ${cluster.name}: HTTP ${res.status}`);
  return (JSON.parse(res.body) as { items: PodLike[] }).items;
}

async function metrics(ctx: Context, res: ServerResponse, name: string): Promise<void> {
  const cluster = ctx.clusters.get(name);
  if (!cluster)
    return sendText(res, 404, `unknown cluster ${name}: not (yet) given by PUT /_testbed/clusters\n`);
  let pods: PodLike[];
  try {
    pods = await listPods(ctx, cluster);
  } catch (err) {
    return sendText(res, 503, `${errorMessage(err)}\n`);
  }
  ctx.traffic.advance(name, podGroups(pods));
  sendText(res, 200, ctx.traffic.exposition(name), { 'content-type': 'text/plain; version=0.0.4' });
}

function isRule(r: unknown): r is TrafficRule {
  return typeof r === 'object' && r !== null && typeof (r as TrafficRule).tag === 'string';
}

async function rules(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'POST') {
    const body = await readJson(req);
    const list = Array.isArray(body) ? body : [body];
    if (!list.every(isRule)) return sendJson(res, 400, { error: 'a rule needs a "tag" (string)' });
    for (const r of list) ctx.traffic.setRule(r);
  } else if (req.method === 'DELETE') {
    ctx.traffic.clearRules();
  }
  sendJson(res, 200, { rules: ctx.traffic.listRules() });
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://metrics').pathname;
  const cluster = /^\/metrics\/([^/]+)$/.exec(path);
  if (cluster && req.method === 'GET') return metrics(ctx, res, decodeURIComponent(cluster[1]!));
  if (path === '/_testbed/rules') return rules(ctx, req, res);
  if (path === '/_testbed/clusters' && req.method === 'PUT') {
    const list = (await readJson(req)) as MetricsCluster[];
    ctx.clusters = new Map(list.map((c) => [c.name, c]));
    return sendJson(res, 200, { clusters: list.map((c) => c.name) });
  }
  if (path === '/_testbed/health') return sendJson(res, 200, { ok: true, name: 'service-metrics' });
  sendText(res, 404, `no route for ${req.method} ${path}\n`);
}

export function startServiceMetrics(config: ServiceMetricsConfig): Promise<Listening> {
  const ctx: Context = { config, clusters: new Map(), traffic: new Traffic() };
  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendText(res, 500, `${String(err)}\n`);
    });
  });
  return listen(server, config.port, 'http');
}

if (isMain(import.meta.url)) {
  runAsProcess<ServiceMetricsConfig>('service-metrics', startServiceMetrics);
}
