// The bucket the writes go to. The storage library is loaded only when there is something to
// change, and once: a run with nothing to write never pays for it.
import type { Bucket, Storage, StorageOptions } from '@google-cloud/storage';
import type { RetryOptions } from './retry.ts';
import type { Settings } from './settings.ts';

export type OpenBucket = () => Promise<Bucket>;

export interface BucketDeps {
  createStorage?: ((opts: StorageOptions) => Storage) | undefined;
  storageRetry?: Partial<RetryOptions> | undefined;
  signal: AbortSignal;
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
