// How Cloud Storage requests are retried: on 408, 429, 5xx and broken connections, with
// exponential backoff and jitter, as @google-cloud/storage does it (its retry-request), with
// the same settings for the listing (list-client.ts) and for the library's own requests.
import type { StorageOptions } from '@google-cloud/storage';

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
