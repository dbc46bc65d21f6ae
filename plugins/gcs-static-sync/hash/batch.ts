// A batch of files hashed on the calling thread, synchronously: what a hashing worker runs
// for each message (worker.ts), and what the main thread runs between its other work
// (index.ts). Twelve files at a time in the MD5 lanes where WebAssembly SIMD is available,
// otherwise one at a time with OpenSSL.
import { LaneHasher } from './lanes.ts';
import { type HashResult, hashEachAlone } from './openssl.ts';
import type { HashWorkerData } from './pool.ts';

export type BatchHasher = (files: readonly string[]) => HashResult[];

export function createBatchHasher({ chunk, bigFile, lanes }: HashWorkerData): BatchHasher {
  const buffer = Buffer.allocUnsafe(chunk);
  const hasher = lanes ? new LaneHasher(lanes, chunk, bigFile, buffer) : undefined;
  return (files) => (hasher ? hasher.hashBatch(files) : hashEachAlone(files, buffer));
}
