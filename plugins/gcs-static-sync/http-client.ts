// The plugin's own HTTP requests to Cloud Storage (the listing, small uploads), over
// node:http(s) keep-alive connections, at most `maxSockets` at a time (the sync's
// concurrency, so a worker never waits for a socket another worker holds, and none is opened
// to be thrown away). Answers are read whole, gunzipped when the server compressed them; one
// that fails or is cut short is an HttpError, whose status (undefined without a whole answer)
// says whether another try is worth it (retry.ts). Through a proxy: the proxy agents the
// storage library uses too (loaded only then), by the library's rules (endpoint.ts, proxyFor).
import type { Agent as HttpAgent, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import { errorMessage, HttpError, PluginError } from '../../common/errors.ts';
import { googleApiErrorMessage } from '../../common/gcp/api-error.ts';
import { nodeZlib } from './builtins.ts';
import { proxyFor } from './endpoint.ts';

export interface HttpClientOptions {
  /** For https endpoints (tests trust their CA with it); not used through a proxy. */
  httpsAgent?: HttpsAgent | undefined;
  /** The environment, for HTTP(S)_PROXY and NO_PROXY (see proxyFor). */
  env: Readonly<Record<string, string | undefined>>;
  /** Ms without progress on a request before it is given up (and retried). */
  timeoutMs?: number | undefined;
  /** Connections kept open at most (default 16). */
  maxSockets?: number | undefined;
}

export interface Answer {
  status: number;
  body: Buffer;
}

export interface Request {
  method: 'GET' | 'POST';
  url: URL;
  headers: OutgoingHttpHeaders;
  body?: Buffer | undefined;
}

export interface HttpClient {
  /** The answer, whatever its status; an HttpError (status undefined) when there was none. */
  send(req: Request): Promise<Answer>;
  close(): void;
}

/** Why an answer failed, from the API's JSON error when there is one. */
export function describeAnswer(answer: Answer): string {
  const text = answer.body.toString('utf8');
  const message = googleApiErrorMessage(text);
  if (message !== undefined) return `${answer.status} ${message}`;
  const short = text.trim().slice(0, 200);
  return short ? `${answer.status} ${short}` : `HTTP ${answer.status}`;
}

/** A 2xx answer's JSON, or an HttpError (a failure status, or a body cut short: status undefined). */
export function jsonOf<T>(answer: Answer): T {
  if (answer.status < 200 || answer.status > 299) throw new HttpError(describeAnswer(answer), answer.status);
  try {
    return JSON.parse(answer.body.toString('utf8')) as T;
  } catch (err) {
    throw new HttpError(`the answer is not JSON (cut short?): ${errorMessage(err)}`, undefined);
  }
}

/**
 * The token, or a PluginError: a token that cannot be had is not retried here (the auth
 * library retries its own), and its status is the token endpoint's, not the bucket's.
 */
export async function bearer(token: () => Promise<string>): Promise<string> {
  try {
    return await token();
  } catch (err) {
    throw new PluginError(errorMessage(err), { cause: err });
  }
}

type HttpModule = typeof import('node:http') | typeof import('node:https');

/**
 * node:http or node:https, through require() rather than import(): an ES import of a builtin
 * builds its ES module facade, which reads every export, and Node 24's node:http exports
 * undici's WebSocket, CloseEvent and MessageEvent as lazy getters, so `import('node:http')`
 * loads undici and, through it, node:http2 and tls: ~90 ms of CPU on every run (a tenth of a
 * no-op re-sync of 10,000 files) for classes the plugin never uses.
 */
function httpModule(secure: boolean): HttpModule {
  const load = createRequire(import.meta.url);
  return (secure ? load('node:https') : load('node:http')) as HttpModule;
}

async function createAgent(root: URL, opts: HttpClientOptions, secure: boolean): Promise<HttpAgent> {
  const sockets = {
    keepAlive: true,
    maxSockets: opts.maxSockets ?? 16,
    maxFreeSockets: opts.maxSockets ?? 16,
  };
  const proxy = proxyFor(root, opts.env);
  if (proxy && secure) return new (await import('https-proxy-agent')).HttpsProxyAgent(proxy, sockets);
  if (proxy) return new (await import('http-proxy-agent')).HttpProxyAgent(proxy, sockets);
  if (secure && opts.httpsAgent) return opts.httpsAgent;
  return new (httpModule(secure).Agent)(sockets);
}

/** Requests to the API at `root` (an http or https URL). */
export async function createHttpClient(root: URL, opts: HttpClientOptions): Promise<HttpClient> {
  const secure = root.protocol === 'https:';
  const http = httpModule(secure);
  const agent = await createAgent(root, opts, secure);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const exchange = (r: Request) =>
    new Promise<Answer>((resolve, reject) => {
      const headers = r.body ? { ...r.headers, 'content-length': r.body.length } : r.headers;
      const req = http.request(
        r.url,
        { method: r.method, agent, headers, timeout: timeoutMs },
        (res: IncomingMessage) => {
          const stream =
            res.headers['content-encoding'] === 'gzip' ? res.pipe(nodeZlib().createGunzip()) : res;
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          stream.on('error', reject);
          res.on('error', reject);
          res.on('aborted', () => reject(new Error('the answer was cut short')));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer for ${timeoutMs / 1000} s`)));
      req.on('error', reject);
      req.end(r.body);
    });
  return {
    send: (r) =>
      exchange(r).catch((err) => Promise.reject(new HttpError(errorMessage(err), undefined, { cause: err }))),
    close: () => agent !== opts.httpsAgent && agent.destroy(),
  };
}
