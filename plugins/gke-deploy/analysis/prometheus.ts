// A Prometheus HTTP API client for instant queries: GET {base}/api/v1/query?query=...
// An answer Prometheus gave (a result, or its refusal of the query) is read at once; an
// endpoint that does not answer (connection refused, HTTP 5xx or 429, a timeout) is tried
// again with backoff within the time one measurement has, then reported as no data, for
// on_no_data to decide: never a silent pass.
import { errorMessage } from '../../../common/errors.ts';
import { parseQueryResponse, type Reading } from './parse.ts';

export type PromFetch = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface PromEndpoint {
  /** The API's base URL, e.g. http://prometheus:9090 (the part before /api/v1). */
  base: string;
  headers: Readonly<Record<string, string>>;
  /** A bearer token for each request (Managed Prometheus), from the caller's credentials. */
  token?: () => Promise<string>;
}

export interface MeasureDeps {
  fetch: PromFetch;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
}

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8000;
const REQUEST_TIMEOUT_MS = 10_000;

export function queryUrl(base: string, query: string): string {
  return `${base.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`;
}

type Attempt = { answer: Reading } | { retry: string };

function failure(err: unknown): string {
  const cause = err instanceof Error && err.cause !== undefined ? `: ${errorMessage(err.cause)}` : '';
  return `request failed: ${errorMessage(err)}${cause}`;
}

/** One request; what it answered, or why it is worth trying again. */
async function attempt(
  ep: PromEndpoint,
  query: string,
  deps: MeasureDeps,
  timeoutMs: number,
): Promise<Attempt> {
  const headers: Record<string, string> = { Accept: 'application/json', ...ep.headers };
  let res: { status: number; text(): Promise<string> };
  let body: string;
  try {
    if (ep.token) headers.Authorization = `Bearer ${await ep.token()}`;
    const signal = AbortSignal.any([deps.signal, AbortSignal.timeout(timeoutMs)]);
    res = await deps.fetch(queryUrl(ep.base, query), { headers, signal });
    body = await res.text();
  } catch (err) {
    return { retry: failure(err) };
  }
  if (res.status === 401 || res.status === 403) {
    const how = ep.token
      ? "the credentials' principal needs roles/monitoring.viewer"
      : 'check analysis_headers';
    return { answer: { kind: 'invalid', message: `the endpoint answered HTTP ${res.status}: ${how}` } };
  }
  // 2xx: a result; 400 and 422: Prometheus refusing the query (its error is in the body).
  if ((res.status >= 200 && res.status < 300) || res.status === 400 || res.status === 422) {
    return { answer: parseQueryResponse(body) };
  }
  return { retry: `HTTP ${res.status}` };
}

/**
 * One measurement: the query tried until it is answered, for at most `budgetMs` (the
 * check's interval); when the endpoint stays unavailable, no data saying why.
 */
export async function measure(
  ep: PromEndpoint,
  query: string,
  budgetMs: number,
  deps: MeasureDeps,
): Promise<Reading> {
  const start = deps.now();
  let backoff = FIRST_BACKOFF_MS;
  for (;;) {
    const left = start + budgetMs - deps.now();
    const a = await attempt(ep, query, deps, Math.max(1000, Math.min(REQUEST_TIMEOUT_MS, left)));
    if ('answer' in a) return a.answer;
    if (deps.signal.aborted || deps.now() + backoff >= start + budgetMs) {
      return { kind: 'no-data', why: `the endpoint did not answer: ${a.retry}` };
    }
    await deps.sleep(backoff, deps.signal);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}
