// The Cloud Storage client. Retries are @google-cloud/storage's own (429, 408, 5xx, resets;
// exponential backoff with jitter), with one change: every request is retried, uploads too.
// The library's default retries an upload only under an ifGenerationMatch precondition, but
// everything this plugin sends is idempotent in effect — the same bytes and metadata again, a
// metadata patch again, a delete that also accepts "not found" — while a precondition would
// turn a retry after a lost response into a false failure (412). Once the run is cancelled
// nothing is retried: an upload in flight ends with its current attempt.
import {
  IdempotencyStrategy,
  RETRYABLE_ERR_FN_DEFAULT,
  Storage,
  type StorageOptions,
} from '@google-cloud/storage';
import type { GoogleCredentials } from '../../common/gcp/credentials.ts';
import { sendsCredentials, storageRoot } from './endpoint.ts';
import { DEFAULT_RETRY, type RetryOptions } from './retry.ts';

export type { RetryOptions };

export interface StorageConfig {
  endpoint?: string | undefined;
  credentials?: GoogleCredentials | undefined;
  keyFile?: string | undefined;
  projectId?: string | undefined;
  retry?: Partial<RetryOptions> | undefined;
  /** Once this is aborted (the run was cancelled), no request is retried. */
  noRetryAfter?: AbortSignal | undefined;
}

/**
 * A resumable upload whose data request failed (a reset, a 503) before the server kept any
 * of it: the library asks the server how far it got, finds less than it sent, and stops with
 * "The offset is lower than the number of bytes written … Initiate a new upload to continue"
 * rather than resend from a stream it cannot rewind. save() from a source function can start
 * a new upload from the first byte, so this is retried like any transient error.
 */
const RESTART_UPLOAD = /offset is lower than the number of bytes written/i;

export function storageOptions(cfg: StorageConfig): StorageOptions {
  const retryOptions: RetryOptions = {
    ...DEFAULT_RETRY,
    idempotencyStrategy: IdempotencyStrategy.RetryAlways,
    ...cfg.retry,
  };
  const stop = cfg.noRetryAfter;
  // The library asks this before every retry: of a request, of a resumable chunk, of a save().
  const retriable = retryOptions.retryableErrorFn ?? RETRYABLE_ERR_FN_DEFAULT;
  retryOptions.retryableErrorFn = (err) =>
    !stop?.aborted && (retriable(err) || RESTART_UPLOAD.test(err?.message ?? ''));
  const opts: StorageOptions = {
    retryOptions,
    useAuthWithCustomEndpoint: sendsCredentials(cfg.endpoint),
  };
  if (cfg.endpoint) opts.apiEndpoint = storageRoot(cfg.endpoint);
  if (cfg.credentials) opts.credentials = cfg.credentials.json as StorageOptions['credentials'];
  else if (cfg.keyFile) opts.keyFilename = cfg.keyFile;
  if (cfg.projectId) opts.projectId = cfg.projectId;
  return opts;
}

export const createStorage = (opts: StorageOptions): Storage => new Storage(opts);
