// The one Cloud Storage call every run makes, objects.list, over node:http(s) rather than
// through @google-cloud/storage: loading that library (and its dependencies) costs ~100 ms
// of CPU, a quarter of a no-op re-sync of 1,000 files, while node:http is part of Node.
// (Node's fetch is no cheaper to load than the library.) The library is still what uploads,
// patches and deletes, and is loaded only when there is something to change. Retries and
// proxies follow the library's rules (retry.ts, proxyFor); answers are asked for
// gzip-compressed, as the listing of a large prefix is tens of megabytes of JSON. The
// requests themselves are http-client.ts's.
import type { Agent as HttpsAgent } from 'node:https';
import { storageRoot } from './endpoint.ts';
import { bearer, createHttpClient, jsonOf } from './http-client.ts';
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
  /** Pages asked for at once at most (the connections kept open). */
  maxSockets?: number;
}

export interface ListClient {
  /**
   * One page of objects.list; `T` is the shape the `fields` asked for. A failure is an
   * HttpError whose status is the answer's, or undefined when there was no whole answer.
   */
  page<T>(query: ListQuery): Promise<T>;
  close(): void;
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
  const http = await createHttpClient(root, opts);
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
        return jsonOf<T>(await http.send({ method: 'GET', url, headers }));
      }, opts);
    },
    close: () => http.close(),
  };
}
