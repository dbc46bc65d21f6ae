// MD5 of the source files: what the sync's speed rests on, behind one function. The main
// thread and worker threads hash together, one thread per core (pool.ts): each reads with
// plain synchronous calls into buffers of its own and hashes twelve files at a time with
// WebAssembly SIMD (batch.ts, lanes.ts, md5-lanes.ts), and takes files in batches so 100,000
// small files do not cost 100,000 messages. The main thread is one of them because it is
// mostly waiting (for the listing) while a worker boots, which takes ~80 ms of a sub-second
// no-op re-sync; between its batches it lets other work run. CRC32C (only for remote objects
// without an MD5) is not here: see hashFile in local.ts.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { forEachLimit } from '../pool.ts';
import { type BatchHasher, createBatchHasher } from './batch.ts';
import type { HashResult } from './openssl.ts';
import { type HashWorkerData, startHashWorkers } from './pool.ts';
import { hashThreadCount } from './prestart.ts';

export type { HashResult };

/** Files per batch: three rounds of the twelve MD5 lanes. */
export const HASH_BATCH = 36;
/** Batches queued per worker: enough to keep it busy while the main thread hashes a batch, few enough that the threads finish together. */
const QUEUED_PER_WORKER = 3;

export interface HashOptions {
  /** At most this many threads hash (one per core, at most four). */
  concurrency: number;
  /** Called with (hashed, total) after each batch. */
  progress?: (done: number, total: number) => void;
  /** Told how many threads hash, once they are known. */
  debug?: (message: string) => void;
}

/** Hashes a batch on the main thread after letting pending I/O (the listing) run first. */
function onMainThread(data: HashWorkerData): (files: readonly string[]) => Promise<HashResult[]> {
  let hash: BatchHasher | undefined;
  return async (files) => {
    await nextTurn();
    hash ??= createBatchHasher(data);
    return hash(files);
  };
}

/**
 * The size and MD5 of each file, in order; a file that cannot be read gets its error. The
 * workers started early (prestart.ts) are used first: booting one takes longer than the
 * walk of a thousand files.
 */
export async function hashFiles(list: readonly string[], opts: HashOptions): Promise<HashResult[]> {
  if (list.length === 0) return [];
  const workers = startHashWorkers(hashThreadCount(opts.concurrency) - 1);
  const main = onMainThread(workers.data);
  opts.debug?.(
    `hashing on ${workers.size + 1} threads (the main one and ${workers.size} workers, ${workers.early} of them started before the plugin loaded)`,
  );
  try {
    const results: HashResult[] = new Array(list.length);
    const threads = workers.size + 1;
    const per = Math.max(1, Math.min(HASH_BATCH, Math.ceil(list.length / (threads * 4))));
    const starts: number[] = [];
    for (let i = 0; i < list.length; i += per) starts.push(i);
    let done = 0;
    // Slot 0 is the main thread; the others are the workers' queues.
    await forEachLimit(starts, 1 + workers.size * QUEUED_PER_WORKER, async (start, slot) => {
      const batch = list.slice(start, start + per);
      const hashed = slot === 0 ? await main(batch) : await workers.hashBatch(batch, slot - 1);
      batch.forEach((_, i) => {
        results[start + i] = hashed[i] ?? { error: 'no result from the hashing worker' };
      });
      done += batch.length;
      opts.progress?.(done, list.length);
    });
    return results;
  } finally {
    await workers.close();
  }
}
