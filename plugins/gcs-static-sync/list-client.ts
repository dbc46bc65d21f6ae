// The one Cloud Storage call every run makes, objects.list, over node:http(s) rather than
// through @google-cloud/storage: loading that library (and its dependencies) costs ~100 ms
// of CPU, a quarter of a no-op re-sync of 1,000 files, while node:http is part of Node.
// (Node's fetch is no cheaper to load than the library.) The library is still what uploads,
// patches and deletes, and is loaded only when there is something to change. Retries and
// proxies follow the library's rules (retry.ts, proxyFor); answers are asked for
// gzip-compressed, as the listing of a large prefix is tens of megabytes of JSON.
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { errorMessage, HttpError, PluginError } from '../../common/errors.ts';
import { googleApiErrorMessage } from '../../common/gcp/api-error.ts';
import { proxyFor, storageRoot } from './endpoint.ts';
import { type RetryOptions, withRetry } from './retry.ts';

export interface ListQuery {
  prefix: string;
  delimiter?: string | undefined;
  pageToken?: string | undefined;
  /** Restricts the answer to these fields (the API's `fields` parameter). */
  fields?: string | undefined;
}

export interface ListClientOptions {
  endpoint: string | undefined;
  bucket: string;
  /** A bearer token for each request; undefined sends none (emulators). */
  token: (() => Promise<string>) | undefined;
  retry?: Partial<RetryOptions> | undefined;
  sleep: (ms: number) => Promise<void>;
  /** For https endpoints (tests trust their CA with it); not used through a proxy. */
  httpsAgent?: HttpsAgent | undefined;
  /** The environment, for HTTP(S)_PROXY and NO_PROXY (see proxyFor). */
  env: Readonly<Record<string, string | undefined>>;
  /** Ms without progress on a request before it is given up (and retried). */
  timeoutMs?: number;
}

export interface ListClient {
  /**
   * One page of objects.list; `T` is the shape the `fields` asked for. A failure is an
   * HttpError whose status is the answer's, or undefined when there was no whole answer.
   */
  page<T>(query: ListQuery): Promise<T>;
  close(): void;
}

interface Answer {
  status: number;
  body: string;
}

type Get = (url: URL, headers: Record<string, string>) => Promise<Answer>;

/** Why an answer failed, from the API's JSON error when there is one. */
function describe(answer: Answer): string {
  const message = googleApiErrorMessage(answer.body);
  if (message !== undefined) return `${answer.status} ${message}`;
  const text = answer.body.trim().slice(0, 200);
  return text ? `${answer.status} ${text}` : `HTTP ${answer.status}`;
}

/**
 * GETs over keep-alive connections (folders are listed several at a time), gunzipping the
 * answer. Through a proxy: the proxy agents the storage library uses too (loaded only then).
 */
async function createGet(root: URL, opts: ListClientOptions): Promise<{ get: Get; close: () => void }> {
  const secure = root.protocol === 'https:';
  const [http, zlib] = await Promise.all([
    secure ? import('node:https') : import('node:http'),
    import('node:zlib'),
  ]);
  const proxy = proxyFor(root, opts.env);
  let agent: HttpAgent;
  if (proxy && secure)
    agent = new (await import('https-proxy-agent')).HttpsProxyAgent(proxy, { keepAlive: true });
  else if (proxy) agent = new (await import('http-proxy-agent')).HttpProxyAgent(proxy, { keepAlive: true });
  else agent = (secure && opts.httpsAgent) || new http.Agent({ keepAlive: true });
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const get: Get = (url, headers) =>
    new Promise((resolve, reject) => {
      const req = http.get(url, { agent, headers, timeout: timeoutMs }, (res: IncomingMessage) => {
        const encoding = res.headers['content-encoding'];
        const stream = encoding === 'gzip' ? res.pipe(zlib.createGunzip()) : res;
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        stream.on('error', reject);
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('the answer was cut short')));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer for ${timeoutMs / 1000} s`)));
      req.on('error', reject);
    });
  return { get, close: () => agent !== opts.httpsAgent && agent.destroy() };
}

/** One try: the parsed answer, or an HttpError (status undefined: no whole answer, worth another try). */
async function attempt<T>(get: Get, url: URL, headers: Record<string, string>): Promise<T> {
  let answer: Answer;
  try {
    answer = await get(url, headers);
  } catch (err) {
    throw new HttpError(errorMessage(err), undefined, { cause: err });
  }
  if (answer.status < 200 || answer.status > 299) throw new HttpError(describe(answer), answer.status);
  try {
    return JSON.parse(answer.body) as T;
  } catch (err) {
    throw new HttpError(`the answer is not JSON (cut short?): ${errorMessage(err)}`, undefined);
  }
}

/**
 * The token, or a PluginError: a token that cannot be had is not retried here (the auth
 * library retries its own), and its status is the token endpoint's, not the bucket's.
 */
async function bearer(token: () => Promise<string>): Promise<string> {
  try {
    return await token();
  } catch (err) {
    throw new PluginError(errorMessage(err), { cause: err });
  }
}

function pageUrl(root: URL, bucket: string, query: ListQuery): URL {
  const url = new URL(`storage/v1/b/${encodeURIComponent(bucket)}/o`, root);
  const q = url.searchParams;
  q.set('maxResults', '1000');
  q.set('projection', 'noAcl');
  if (query.prefix !== '') q.set('prefix', query.prefix);
  if (query.delimiter) q.set('delimiter', query.delimiter);
  if (query.pageToken) q.set('pageToken', query.pageToken);
  if (query.fields) q.set('fields', query.fields);
  return url;
}

export async function createListClient(opts: ListClientOptions): Promise<ListClient> {
  const root = new URL(`${storageRoot(opts.endpoint)}/`);
  const { get, close } = await createGet(root, opts);
  return {
    page<T>(query: ListQuery): Promise<T> {
      const url = pageUrl(root, opts.bucket, query);
      return withRetry(async () => {
        const headers: Record<string, string> = {
          accept: 'application/json',
          'accept-encoding': 'gzip',
          'user-agent': 'gcs-static-sync',
        };
        if (opts.token) headers.authorization = `Bearer ${await bearer(opts.token)}`;
        return attempt<T>(get, url, headers);
      }, opts);
    },
    close,
  };
}
