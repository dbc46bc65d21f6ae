// What the webhook sender and the Web API client share about one HTTP request to Slack: Node's
// fetch bounded by a timeout and by the run's give-up signal (remembering which one ended it),
// Retry-After in seconds, and the socket's error code when fetch failed.

/** The outcome code of an attempt given up because the run was cancelled (past cancel_grace). */
export const GAVE_UP = 'GAVE_UP';

/** Seconds from a Retry-After header (a number of seconds or an HTTP date). */
export function retryAfterOf(raw: string | undefined | null): number | undefined {
  const text = (raw ?? '').trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

export interface BoundedFetch {
  fetchFn: (url: string | URL, init?: RequestInit) => Promise<Response>;
  /** The last response's headers, and why the request was ended when it was. */
  state: { headers?: Headers; ended?: 'TIMEOUT' | typeof GAVE_UP };
}

/** Node's fetch, ended by `timeoutMs` or by `giveUp`, keeping the response's headers. */
export function boundedFetch(timeoutMs: number, giveUp: AbortSignal | undefined): BoundedFetch {
  const state: BoundedFetch['state'] = {};
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = giveUp ? AbortSignal.any([timeout, giveUp]) : timeout;
  signal.addEventListener('abort', () => {
    state.ended = giveUp?.aborted ? GAVE_UP : 'TIMEOUT';
  });
  const fetchFn = async (url: string | URL, init?: RequestInit) => {
    const response = await fetch(url, { ...init, signal });
    state.headers = response.headers;
    return response;
  };
  return { fetchFn, state };
}

/**
 * Why fetch failed: the socket's code (ECONNREFUSED, ...) from the TypeError's cause, or, for
 * a failure fetch makes itself (a port the Fetch standard blocks), a sentence for the user.
 */
export function networkFailure(
  original: unknown,
  url: string,
  setting: string,
): { code: string } | { unexpected: string } {
  const cause = (original as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return { code: cause.code };
  if (cause?.message === 'bad port') {
    const port = new URL(url).port;
    return {
      unexpected: `Node's fetch refuses port ${port} (one the Fetch standard blocks); give the ${setting} another port`,
    };
  }
  return { code: 'EUNKNOWN' };
}
