// MD5 of the source files on worker threads: what the sync's speed rests on, behind one
// function. On the main thread each file costs three promise round trips through libuv's pool
// (open, read, close) plus the hashing, one file after another: a no-op re-sync of 1,000
// files of 256 KB spent most of its time there. Workers (pool.ts) read with plain
// synchronous calls into buffers of their own and hash in parallel, eight files at a time per
// worker with WebAssembly SIMD (lanes.ts, md5-lanes.ts), and take files in batches so
// 100,000 small files do not cost 100,000 messages. CRC32C (only for remote objects without
// an MD5) is not here: see hashFile in local.ts.
import { forEachLimit } from '../pool.ts';
import type { HashResult } from './openssl.ts';
import { startHashWorkers, workerCount } from './pool.ts';

export type { HashResult };

/** Files per message to a hashing worker. */
const HASH_BATCH = 32;

export interface HashOptions {
  /** At most this many workers (one per core, at most four). */
  concurrency: number;
  /** Called with (hashed, total) after each batch. */
  progress?: (done: number, total: number) => void;
}

/**
 * The size and MD5 of each file, in order; a file that cannot be read gets its error. The
 * list may still be coming (a walk under way): the workers start first, as a worker takes
 * tens of milliseconds to boot, longer than the walk of a thousand files.
 */
export async function hashFiles(
  files: readonly string[] | Promise<readonly string[]>,
  opts: HashOptions,
): Promise<HashResult[]> {
  const workers = startHashWorkers(workerCount(opts.concurrency));
  try {
    const list = await files;
    const results: HashResult[] = new Array(list.length);
    const per = Math.max(1, Math.min(HASH_BATCH, Math.ceil(list.length / (workers.size * 4))));
    const starts: number[] = [];
    for (let i = 0; i < list.length; i += per) starts.push(i);
    let done = 0;
    // Eight batches queued per worker keep it busy while the main thread is busy (parsing the
    // listing) and cannot hand out the next batch at once.
    await forEachLimit(starts, workers.size * 8, async (start, slot) => {
      const batch = list.slice(start, start + per);
      const hashed = await workers.hashBatch(batch, slot);
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
