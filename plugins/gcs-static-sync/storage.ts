// The Cloud Storage client. Retries are @google-cloud/storage's own (429, 408, 5xx, resets;
// exponential backoff with jitter), with one change: every request is retried, uploads too.
// The library's default retries an upload only under an ifGenerationMatch precondition, but
// everything this plugin sends is idempotent in effect — the same bytes and metadata again, a
// metadata patch again, a delete that also accepts "not found" — while a precondition would
// turn a retry after a lost response into a false failure (412).
import { IdempotencyStrategy, Storage, type StorageOptions } from '@google-cloud/storage';

export type RetryOptions = NonNullable<StorageOptions['retryOptions']>;

import type { GoogleCredentials } from '../../common/gcp/credentials.ts';

export const DEFAULT_RETRY: RetryOptions = {
  autoRetry: true,
  maxRetries: 5,
  retryDelayMultiplier: 2,
  /** seconds */
  maxRetryDelay: 32,
  /** seconds, for one operation with its retries */
  totalTimeout: 600,
  idempotencyStrategy: IdempotencyStrategy.RetryAlways,
};

export interface StorageConfig {
  endpoint?: string | undefined;
  credentials?: GoogleCredentials | undefined;
  keyFile?: string | undefined;
  projectId?: string | undefined;
  retry?: Partial<RetryOptions> | undefined;
}

/** Credentials go to Google's endpoints (private ones included), never to an emulator's. */
export function sendsCredentials(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return true;
  const host = new URL(endpoint).hostname;
  return host === 'googleapis.com' || host.endsWith('.googleapis.com');
}

export function storageOptions(cfg: StorageConfig): StorageOptions {
  const opts: StorageOptions = {
    retryOptions: { ...DEFAULT_RETRY, ...cfg.retry },
    useAuthWithCustomEndpoint: sendsCredentials(cfg.endpoint),
  };
  if (cfg.endpoint) opts.apiEndpoint = cfg.endpoint.replace(/\/+$/, '');
  if (cfg.credentials) opts.credentials = cfg.credentials.json as StorageOptions['credentials'];
  else if (cfg.keyFile) opts.keyFilename = cfg.keyFile;
  if (cfg.projectId) opts.projectId = cfg.projectId;
  return opts;
}

export const createStorage = (opts: StorageOptions): Storage => new Storage(opts);
