// The one retry policy of every HTTP call the plugin makes: on 408, 429, 5xx and broken
// connections, with exponential backoff and jitter, as @google-cloud/storage does it (its
// retry-request). The library retries its writes (resumable uploads, patches, deletes) itself,
// with these settings (storage.ts); the calls made without it, the listing (list-client.ts),
// small uploads (multipart.ts) and the CDN invalidation (cdn.ts), retry through withRetry()
// with the same settings. The library's policy is the one kept because those writes cannot
// leave it; p-retry would be another dependency only to be set up to behave like it, for a
// loop of a dozen lines.
import type { StorageOptions } from '@google-cloud/storage';
import { HttpError } from '../../common/errors.ts';

export type RetryOptions = NonNullable<StorageOptions['retryOptions']>;

export const DEFAULT_RETRY = {
  autoRetry: true,
  maxRetries: 5,
  retryDelayMultiplier: 2,
  /** seconds */
  maxRetryDelay: 32,
  /** seconds, for one operation with its retries */
  totalTimeout: 600,
} satisfies RetryOptions;

/** Whether an HTTP status is worth another try. */
export const retriableStatus = (status: number): boolean =>
  status === 408 || status === 429 || (status >= 500 && status <= 599);

/**
 * The wait before retry number `retry` (0-based), in ms, or undefined when no retry is left:
 * multiplier^retry seconds plus up to a second of jitter, at most maxRetryDelay, and never past
 * totalTimeout after `elapsedMs` already spent.
 */
export function retryDelay(
  opts: RetryOptions,
  retry: number,
  elapsedMs: number,
  random: () => number = Math.random,
): number | undefined {
  const o = { ...DEFAULT_RETRY, ...opts };
  if (!o.autoRetry || retry >= o.maxRetries) return undefined;
  const delay = Math.min(
    o.retryDelayMultiplier ** retry * 1000 + Math.floor(random() * 1000),
    o.maxRetryDelay * 1000,
  );
  if (elapsedMs + delay > o.totalTimeout * 1000) return undefined;
  return delay;
}

/**
 * Worth another try: an HttpError with a retriable status, or with none (no answer, or one cut
 * short). Anything else (a token that cannot be had, a bug) is final.
 */
export const retriableError = (err: unknown): boolean =>
  err instanceof HttpError && (err.status === undefined || retriableStatus(err.status));

export interface RetryDeps {
  retry?: Partial<RetryOptions> | undefined;
  sleep: (ms: number) => Promise<void>;
  /** Once this is aborted (the run was cancelled), nothing is retried. */
  noRetryAfter?: AbortSignal | undefined;
}

/**
 * `attempt` until it succeeds, fails for good (retriableError), no retry is left, or the run
 * is cancelled; then its last error.
 */
export async function withRetry<T>(attempt: () => Promise<T>, deps: RetryDeps): Promise<T> {
  const started = Date.now();
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (err) {
      if (!retriableError(err) || deps.noRetryAfter?.aborted) throw err;
      const wait = retryDelay(deps.retry ?? {}, retry, Date.now() - started);
      if (wait === undefined) throw err;
      await deps.sleep(wait);
    }
  }
}
