// An HTTP reverse proxy that injects faults: 429, 503 (with Google's JSON error bodies)
// or connection resets, for an explicit sequence of requests or a seeded, reproducible
// fraction of them. Everything else is streamed to the upstream unchanged, except that
// `Location` headers pointing at the upstream are rewritten to point at the proxy, so
// resumable-upload session URLs keep going through it.
//
// Control API (never faulted, never forwarded):
//   GET    /_testbed/health
//   POST   /_testbed/faults   {"sequence":[503,"reset",429]}       the next requests, in order
//                             {"rate":0.2,"kinds":[503,429,"reset"],"seed":1,"max":10}
//                             optional "match": substring of "METHOD /path?query" to restrict
//                             which requests may be faulted
//   DELETE /_testbed/faults   no more faults, counters reset
//   GET    /_testbed/faults   -> FaultStats
//   POST   /_testbed/composite {"names":["static/app.js"]}  these objects are reported without
//                             an MD5, as Cloud Storage reports composite objects (fake-gcs-server
//                             gives every object one); {"names":[]} ends it
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import { errorMessage } from '../../../common/errors.ts';
import { isMain, type Listening, listen, readJson, runAsProcess, sendJson } from './http-util.ts';

export type FaultKind = 429 | 503 | 500 | 'reset';

export interface FaultProxyConfig {
  port: number;
  /** e.g. http://127.0.0.1:4443 */
  upstream: string;
}

export interface FaultPlan {
  sequence?: FaultKind[];
  rate?: number;
  kinds?: FaultKind[];
  seed?: number;
  /** At most this many faults from `rate`. */
  max?: number;
  /** Only requests whose "METHOD /path?query" contains this string can be faulted. */
  match?: string;
  /** Retry-After seconds sent with 429 and 503 (default: none). */
  retryAfter?: number;
}

export interface FaultStats {
  /** Requests seen (control requests excluded). */
  requests: number;
  forwarded: number;
  injected: { total: number; '429': number; '500': number; '503': number; reset: number };
  /** The faulted requests, in order. */
  log: { seq: number; request: string; fault: FaultKind }[];
  plan: FaultPlan | null;
}

/** mulberry32: a tiny seeded PRNG, so a given seed faults the same requests every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS = new Set<unknown>([429, 503, 500, 'reset']);

function validatePlan(body: unknown): FaultPlan {
  if (typeof body !== 'object' || body === null) throw new Error('plan must be a JSON object');
  const plan = body as FaultPlan;
  for (const k of [...(plan.sequence ?? []), ...(plan.kinds ?? [])]) {
    if (!KINDS.has(k)) throw new Error(`unknown fault ${JSON.stringify(k)} (use 429, 500, 503 or "reset")`);
  }
  if (plan.rate !== undefined && !(plan.rate >= 0 && plan.rate <= 1))
    throw new Error('rate must be in [0,1]');
  if (plan.sequence === undefined && plan.rate === undefined) throw new Error('give "sequence" or "rate"');
  return plan;
}

const googleError = (code: number) => {
  const status = code === 429 ? 'RESOURCE_EXHAUSTED' : code === 503 ? 'UNAVAILABLE' : 'INTERNAL';
  const message =
    code === 429
      ? 'The rate of change requests to the object is too high (injected by the testbed fault proxy).'
      : code === 503
        ? 'Backend Error (injected by the testbed fault proxy)'
        : 'Internal Error (injected by the testbed fault proxy)';
  return {
    error: { code, message, errors: [{ message, domain: 'global', reason: 'backendError' }], status },
  };
};

const emptyStats = (): FaultStats => ({
  requests: 0,
  forwarded: 0,
  injected: { total: 0, '429': 0, '500': 0, '503': 0, reset: 0 },
  log: [],
  plan: null,
});

/** The fault plan in force and what it has done so far. */
class Faults {
  plan: FaultPlan | null = null;
  stats = emptyStats();
  private sequence: FaultKind[] = [];
  private random: () => number = Math.random;
  private fromRate = 0;

  setPlan(plan: FaultPlan): void {
    this.plan = plan;
    this.sequence = [...(plan.sequence ?? [])];
    this.random = prng(plan.seed ?? 1);
    this.fromRate = 0;
  }

  clear(): void {
    this.plan = null;
    this.sequence = [];
    this.stats = emptyStats();
  }

  /** Counts the request and returns the fault it gets, if any. */
  take(line: string): FaultKind | null {
    this.stats.requests += 1;
    const fault = this.pick(line);
    if (fault === null) {
      this.stats.forwarded += 1;
      return null;
    }
    this.stats.injected.total += 1;
    this.stats.injected[String(fault) as '429' | '500' | '503' | 'reset'] += 1;
    this.stats.log.push({ seq: this.stats.requests, request: line, fault });
    return fault;
  }

  private pick(line: string): FaultKind | null {
    const plan = this.plan;
    if (!plan) return null;
    if (plan.match !== undefined && !line.includes(plan.match)) return null;
    if (this.sequence.length > 0) return this.sequence.shift()!;
    if (plan.rate !== undefined && plan.rate > 0 && (plan.max === undefined || this.fromRate < plan.max)) {
      const kinds = plan.kinds && plan.kinds.length > 0 ? plan.kinds : (['reset', 503, 429] as FaultKind[]);
      if (this.random() < plan.rate) {
        this.fromRate += 1;
        return kinds[Math.floor(this.random() * kinds.length)]!;
      }
    }
    return null;
  }
}

interface Proxy {
  upstream: URL;
  faults: Faults;
  /** Objects reported without md5Hash (composite objects). */
  composite: Set<string>;
  port: number;
}

async function controlFaults(p: Proxy, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method === 'GET') {
    sendJson(res, 200, { ...p.faults.stats, plan: p.faults.plan });
  } else if (req.method === 'DELETE') {
    p.faults.clear();
    sendJson(res, 200, { ok: true });
  } else if (req.method === 'POST') {
    let plan: FaultPlan;
    try {
      plan = validatePlan(await readJson(req));
    } catch (err) {
      sendJson(res, 400, { error: errorMessage(err) });
      return true;
    }
    p.faults.setPlan(plan);
    sendJson(res, 200, { ok: true, plan });
  } else return false;
  return true;
}

async function control(p: Proxy, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  if (path === '/_testbed/health') return sendJson(res, 200, { ok: true, name: 'fault-proxy' });
  if (path === '/_testbed/composite' && req.method === 'POST') {
    const body = (await readJson(req)) as { names?: unknown };
    if (!Array.isArray(body.names) || body.names.some((n) => typeof n !== 'string'))
      return sendJson(res, 400, { error: 'give {"names": [object names]}' });
    p.composite = new Set(body.names as string[]);
    return sendJson(res, 200, { ok: true, names: [...p.composite] });
  }
  if (path === '/_testbed/faults' && (await controlFaults(p, req, res))) return;
  return sendJson(res, 404, { error: `no control endpoint ${req.method} ${path}` });
}

function inject(p: Proxy, req: IncomingMessage, res: ServerResponse, fault: FaultKind): void {
  if (fault === 'reset') {
    // A TCP RST while the client is still sending or waiting: what a dropped connection looks like.
    req.socket.resetAndDestroy();
    return;
  }
  const headers: Record<string, string> = {};
  const retryAfter = p.faults.plan?.retryAfter;
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  // Answer once the whole request body is read: answering early and closing would make the
  // client see EPIPE while still sending, instead of the status.
  req.on('end', () => sendJson(res, fault, googleError(fault), headers));
  req.resume();
}

/** Object metadata and listings, with the MD5 of composite objects taken out. */
function withoutCompositeMd5(p: Proxy, body: Buffer): Buffer {
  const dropMd5 = (o: { name?: unknown; md5Hash?: unknown }) => {
    if (typeof o.name === 'string' && p.composite.has(o.name)) delete o.md5Hash;
  };
  try {
    const doc = JSON.parse(body.toString('utf8')) as { items?: { name?: unknown }[]; name?: unknown };
    dropMd5(doc);
    for (const item of doc.items ?? []) dropMd5(item);
    return Buffer.from(JSON.stringify(doc));
  } catch {
    return body; // not JSON after all: passed on as it came
  }
}

/** The upstream's answer, its Location pointed back at the proxy and composite MD5s dropped when `rewrite`. */
function relay(
  p: Proxy,
  req: IncomingMessage,
  res: ServerResponse,
  upRes: IncomingMessage,
  rewrite: boolean,
): void {
  const out: IncomingHttpHeaders = { ...upRes.headers };
  const proxyBase = `http://${req.headers.host ?? `127.0.0.1:${p.port}`}`;
  if (typeof out.location === 'string' && out.location.startsWith(p.upstream.origin)) {
    out.location = proxyBase + out.location.slice(p.upstream.origin.length);
  }
  const json = String(upRes.headers['content-type'] ?? '').includes('json');
  if (!rewrite || !json) {
    res.writeHead(upRes.statusCode ?? 502, out);
    upRes.pipe(res);
    return;
  }
  const chunks: Buffer[] = [];
  upRes.on('data', (c: Buffer) => chunks.push(c));
  upRes.on('end', () => {
    const body = withoutCompositeMd5(p, Buffer.concat(chunks));
    out['content-length'] = String(body.length);
    delete out['transfer-encoding'];
    res.writeHead(upRes.statusCode ?? 502, out);
    res.end(body);
  });
}

function forward(p: Proxy, req: IncomingMessage, res: ServerResponse): void {
  const rewrite =
    p.composite.size > 0 && req.method === 'GET' && (req.url ?? '').startsWith('/storage/v1/b/');
  const headers = { ...req.headers, host: p.upstream.host };
  if (rewrite) headers['accept-encoding'] = 'identity';
  const { hostname: host, port } = p.upstream;
  const up = request({ host, port, method: req.method, path: req.url, headers }, (upRes) =>
    relay(p, req, res, upRes, rewrite),
  );
  up.on('error', (err) => {
    if (!res.headersSent) sendJson(res, 502, { error: { code: 502, message: `upstream: ${err.message}` } });
    else res.destroy();
  });
  req.pipe(up);
}

export async function startFaultProxy(config: FaultProxyConfig): Promise<Listening> {
  const p: Proxy = {
    upstream: new URL(config.upstream),
    faults: new Faults(),
    composite: new Set(),
    port: 0,
  };
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    if (path.startsWith('/_testbed/')) {
      control(p, req, res, path).catch((err: unknown) => sendJson(res, 500, { error: String(err) }));
      return;
    }
    const fault = p.faults.take(`${req.method} ${url}`);
    if (fault === null) forward(p, req, res);
    else inject(p, req, res, fault);
  });
  const listening = await listen(server, config.port, 'http');
  p.port = listening.port;
  return listening;
}

if (isMain(import.meta.url)) {
  runAsProcess<FaultProxyConfig>('fault-proxy', startFaultProxy);
}
