// A stand-in for Slack's incoming webhooks and its Web API. Every POST outside /_testbed is
// recorded (path, headers, parsed body, time). A webhook post is answered like Slack does: 200
// `ok` by default, or the next queued answer (429 with Retry-After, 500, 404 `no_service`, a
// delay, a reset, ...). A POST to /api/<method> is a Web API call (slack-api.ts), answered from
// the sink's workspace, unless an answer queued for its path comes first.
//
// Control API:
//   GET    /_testbed/health            -> {"ok":true}
//   GET    /_testbed/requests          -> {"requests":[RecordedRequest...]}
//   DELETE /_testbed/requests          -> forget recorded requests and queued answers
//   POST   /_testbed/responses         body: QueuedResponse | QueuedResponse[]  (appended)
//   GET    /_testbed/responses         -> {"queued":[...]}
//   DELETE /_testbed/responses         -> drop queued answers
//   /_testbed/api...                   -> the Web API's workspace and messages (slack-api.ts)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  isMain,
  type Listening,
  listen,
  readBody,
  readJson,
  runAsProcess,
  sendJson,
  sendText,
} from './http-util.ts';
import { type ApiFault, type ApiRateLimit, type ApiWorkspace, SlackApi } from './slack-api.ts';

export interface SlackSinkConfig {
  port: number;
}

export interface RecordedRequest {
  /** Sequence number from 1, in arrival order. */
  seq: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body as text. */
  raw: string;
  /** JSON body (or the `payload` field of a form post), parsed; null when it is not JSON. */
  body: unknown;
  /** ISO time the request arrived. */
  time: string;
  /** What the sink answered. */
  status: number;
  /** The Web API's answer (calls to /api/<method>). */
  answer?: unknown;
}

export interface QueuedResponse {
  /** HTTP status; default 200. */
  status?: number;
  /** Response body; default `ok` for 2xx, `rate_limited` for 429, `no_service` for 404, else `error`. */
  body?: string;
  /** Seconds for the Retry-After header (Slack sends it with 429). */
  retryAfter?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Only use this answer for requests to this path (others skip over it). */
  path?: string;
  /** Drop the connection (TCP reset) instead of answering; recorded with status 0. */
  reset?: boolean;
}

function defaultBody(status: number): string {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429) return 'rate_limited';
  if (status === 404) return 'no_service';
  if (status === 400) return 'invalid_payload';
  if (status === 403) return 'action_prohibited';
  return 'error';
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  try {
    if (contentType?.includes('application/x-www-form-urlencoded')) {
      const payload = new URLSearchParams(raw).get('payload');
      return payload === null ? null : JSON.parse(payload);
    }
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

/** A Web API call's arguments: JSON, or form fields (JSON-valued ones parsed). */
function parseApiArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) {
    const parsed = parseBody(raw, contentType);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  }
  const args: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    args[k] = /^[[{]/.test(v) ? (parseBody(v, undefined) ?? v) : v;
  }
  return args;
}

const asList = <T>(body: unknown): T[] => (Array.isArray(body) ? body : [body]) as T[];

/** The Web API's control endpoints under /_testbed/api. */
async function apiControl(api: SlackApi, req: IncomingMessage, res: ServerResponse, path: string) {
  const route = `${req.method} ${path}`;
  if (route === 'GET /_testbed/api')
    return sendJson(res, 200, { workspace: api.workspace, messages: api.messages });
  if (route === 'DELETE /_testbed/api') {
    api.reset();
    return sendJson(res, 200, { ok: true });
  }
  if (route === 'PUT /_testbed/api/workspace') {
    api.setWorkspace((await readJson(req)) as Partial<ApiWorkspace>);
    return sendJson(res, 200, { workspace: api.workspace });
  }
  if (route === 'POST /_testbed/api/ratelimits') {
    api.addRateLimits(asList<ApiRateLimit>(await readJson(req)));
    return sendJson(res, 200, { ok: true });
  }
  if (route === 'POST /_testbed/api/errors') {
    api.addFaults(asList<ApiFault>(await readJson(req)));
    return sendJson(res, 200, { ok: true });
  }
  return sendJson(res, 404, { error: `no control endpoint ${route}` });
}

interface SinkState {
  seq: number;
  requests: RecordedRequest[];
  queue: QueuedResponse[];
  api: SlackApi;
}

async function control(sink: SinkState, req: IncomingMessage, res: ServerResponse, path: string) {
  if (path === '/_testbed/health') return sendJson(res, 200, { ok: true, name: 'slack-sink', webApi: true });
  if (path === '/_testbed/api' || path.startsWith('/_testbed/api/'))
    return apiControl(sink.api, req, res, path);
  const route = `${req.method} ${path}`;
  if (route === 'GET /_testbed/requests') return sendJson(res, 200, { requests: sink.requests });
  if (route === 'DELETE /_testbed/requests') {
    sink.requests = [];
    sink.queue = [];
    sink.api.reset();
    return sendJson(res, 200, { ok: true });
  }
  if (route === 'GET /_testbed/responses') return sendJson(res, 200, { queued: sink.queue });
  if (route === 'DELETE /_testbed/responses') {
    sink.queue = [];
    return sendJson(res, 200, { ok: true });
  }
  if (route === 'POST /_testbed/responses') {
    const items = asList<QueuedResponse>(await readJson(req));
    for (const item of items) {
      if (typeof item !== 'object' || item === null) return sendJson(res, 400, { error: 'not an object' });
    }
    sink.queue.push(...items);
    return sendJson(res, 200, { queued: sink.queue.length });
  }
  return sendJson(res, 404, { error: `no control endpoint ${route}` });
}

/** Records one post and answers it: a queued answer, the Web API's, or `ok`. */
async function answerPost(sink: SinkState, req: IncomingMessage, res: ServerResponse, path: string) {
  const raw = (await readBody(req)).toString('utf8');
  const isApi = path.startsWith('/api/');
  // A Web API call takes only answers queued for its own path (a delay, a reset, a 500).
  const idx = sink.queue.findIndex((q) => q.path === path || (!isApi && q.path === undefined));
  const answer: QueuedResponse = idx >= 0 ? sink.queue.splice(idx, 1)[0]! : {};
  const contentType = req.headers['content-type'];
  const fromApi = isApi && answer.status === undefined && !answer.reset;
  const args = isApi ? parseApiArgs(raw, contentType) : undefined;
  const apiAnswer = fromApi
    ? sink.api.call(path.slice('/api/'.length), req.headers.authorization, args ?? {})
    : undefined;
  const status = answer.reset ? 0 : (apiAnswer?.status ?? answer.status ?? 200);
  sink.seq += 1;
  sink.requests.push({
    seq: sink.seq,
    method: req.method ?? 'POST',
    path,
    headers: { ...req.headers },
    raw,
    body: args ?? parseBody(raw, contentType),
    time: new Date().toISOString(),
    status,
    ...(apiAnswer ? { answer: apiAnswer.body } : {}),
  });
  if (answer.delayMs) await sleep(answer.delayMs);
  if (answer.reset) {
    req.socket.resetAndDestroy();
    return;
  }
  if (apiAnswer) return sendJson(res, apiAnswer.status, apiAnswer.body, apiAnswer.headers);
  const headers: Record<string, string> = { 'content-type': 'text/html' };
  if (answer.retryAfter !== undefined) headers['retry-after'] = String(answer.retryAfter);
  sendText(res, status, answer.body ?? defaultBody(status), headers);
}

export async function startSlackSink(config: SlackSinkConfig): Promise<Listening> {
  const sink: SinkState = { seq: 0, requests: [], queue: [], api: new SlackApi() };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://sink').pathname;
    const handle = async () => {
      if (path.startsWith('/_testbed/')) return control(sink, req, res, path);
      if (req.method !== 'POST') return sendText(res, 405, 'invalid_method');
      return answerPost(sink, req, res, path);
    };
    handle().catch((err: unknown) => {
      if (!res.headersSent) sendText(res, 500, `sink error: ${String(err)}`);
    });
  });
  return listen(server, config.port, 'http');
}

if (isMain(import.meta.url)) {
  runAsProcess<SlackSinkConfig>('slack-sink', startSlackSink);
}
