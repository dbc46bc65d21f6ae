// What the writes go through, each made on first use and once: the storage library's bucket
// (resumable uploads, patches, deletes), loaded only when there is one of those to do, so a
// run with nothing to write never pays for it; and the multipart uploader of small files.
import type { Agent } from 'node:https';
import type { Bucket, Storage, StorageOptions } from '@google-cloud/storage';
import type { GoogleClient } from '../../common/gcp/auth.ts';
import type { Env } from '../../common/settings.ts';
import { storageToken } from './connect.ts';
import { createMultipartUploader, type MultipartUploader } from './multipart.ts';
import type { RetryOptions } from './retry.ts';
import type { Settings } from './settings.ts';

export type OpenBucket = () => Promise<Bucket>;

export interface BucketDeps {
  createStorage?: ((opts: StorageOptions) => Storage) | undefined;
  storageRetry?: Partial<RetryOptions> | undefined;
  signal: AbortSignal;
}

export interface LazyUploader {
  open(): Promise<MultipartUploader>;
  /** Closes its connections, if it was opened. */
  close(): void;
}

export interface UploaderDeps extends BucketDeps {
  sleep: (ms: number) => Promise<void>;
  httpsAgent?: Agent | undefined;
}

export function lazyMultipart(
  settings: Settings,
  google: GoogleClient | undefined,
  env: Env,
  deps: UploaderDeps,
): LazyUploader {
  let uploader: Promise<MultipartUploader> | undefined;
  return {
    open: () => {
      uploader ??= createMultipartUploader({
        endpoint: settings.storageEndpoint,
        bucket: settings.target.bucket,
        token: storageToken(settings.storageEndpoint, google),
        predefinedAcl: settings.predefinedAcl,
        retry: deps.storageRetry,
        sleep: deps.sleep,
        noRetryAfter: deps.signal,
        httpsAgent: deps.httpsAgent,
        env,
        maxSockets: settings.concurrency,
      });
      return uploader;
    },
    close: () => void uploader?.then((u) => u.close()),
  };
}

export function lazyBucket(settings: Settings, project: string | undefined, deps: BucketDeps): OpenBucket {
  let bucket: Promise<Bucket> | undefined;
  return () => {
    bucket ??= import('./storage.ts').then(({ createStorage, storageOptions }) =>
      (deps.createStorage ?? createStorage)(
        storageOptions({
          endpoint: settings.storageEndpoint,
          credentials: settings.credentials,
          keyFile: settings.keyFile,
          projectId: project,
          retry: deps.storageRetry,
          noRetryAfter: deps.signal,
        }),
      ).bucket(settings.target.bucket),
    );
    return bucket;
  };
}
