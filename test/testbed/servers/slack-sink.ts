// A stand-in for Slack's incoming webhooks. Every POST outside /_testbed is recorded
// (path, headers, parsed body, time) and answered like Slack does: 200 `ok` by default, or
// the next queued answer (429 with Retry-After, 500, 404 `no_service`, a delay, a reset, ...).
//
// Control API:
//   GET    /_testbed/health            -> {"ok":true}
//   GET    /_testbed/requests          -> {"requests":[RecordedRequest...]}
//   DELETE /_testbed/requests          -> forget recorded requests and queued answers
//   POST   /_testbed/responses         body: QueuedResponse | QueuedResponse[]  (appended)
//   GET    /_testbed/responses         -> {"queued":[...]}
//   DELETE /_testbed/responses         -> drop queued answers
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

export async function startSlackSink(config: SlackSinkConfig): Promise<Listening> {
  let seq = 0;
  let requests: RecordedRequest[] = [];
  let queue: QueuedResponse[] = [];

  const control = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (path === '/_testbed/health') return sendJson(res, 200, { ok: true, name: 'slack-sink' });
    if (path === '/_testbed/requests') {
      if (req.method === 'GET') return sendJson(res, 200, { requests });
      if (req.method === 'DELETE') {
        requests = [];
        queue = [];
        return sendJson(res, 200, { ok: true });
      }
    }
    if (path === '/_testbed/responses') {
      if (req.method === 'GET') return sendJson(res, 200, { queued: queue });
      if (req.method === 'DELETE') {
        queue = [];
        return sendJson(res, 200, { ok: true });
      }
      if (req.method === 'POST') {
        const body = await readJson(req);
        const items = (Array.isArray(body) ? body : [body]) as QueuedResponse[];
        for (const item of items) {
          if (typeof item !== 'object' || item === null)
            return sendJson(res, 400, { error: 'not an object' });
        }
        queue.push(...items);
        return sendJson(res, 200, { queued: queue.length });
      }
    }
    return sendJson(res, 404, { error: `no control endpoint ${req.method} ${path}` });
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://sink').pathname;
    const handle = async () => {
      if (path.startsWith('/_testbed/')) return control(req, res, path);
      if (req.method !== 'POST') return sendText(res, 405, 'invalid_method');
      const raw = (await readBody(req)).toString('utf8');
      const idx = queue.findIndex((q) => q.path === undefined || q.path === path);
      const answer: QueuedResponse = idx >= 0 ? queue.splice(idx, 1)[0]! : {};
      const status = answer.reset ? 0 : (answer.status ?? 200);
      seq += 1;
      requests.push({
        seq,
        method: req.method,
        path,
        headers: { ...req.headers },
        raw,
        body: parseBody(raw, req.headers['content-type']),
        time: new Date().toISOString(),
        status,
      });
      if (answer.delayMs) await sleep(answer.delayMs);
      if (answer.reset) {
        req.socket.resetAndDestroy();
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'text/html' };
      if (answer.retryAfter !== undefined) headers['retry-after'] = String(answer.retryAfter);
      sendText(res, status, answer.body ?? defaultBody(status), headers);
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
