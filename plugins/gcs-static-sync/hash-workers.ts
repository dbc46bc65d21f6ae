// MD5 of the source files on worker threads. On the main thread each file costs three
// promise round trips through libuv's pool (open, read, close) plus the hashing itself, one
// file after another: a no-op re-sync of 1,000 files of 256 KB spent most of its time there.
// Workers read with plain synchronous calls into a buffer of their own and hash in parallel,
// one worker per core (at most four), and take files in batches so 100,000 small files do
// not cost 100,000 messages.
//
// The worker's code is a string evaluated by the worker (node:crypto and node:fs only), so
// the esbuild bundle and the TypeScript sources run it alike, with no second file to ship.
// CRC32C (only for remote objects without an MD5) stays on the main thread: see hashFile.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CHUNK, type FileHash } from './local.ts';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const buffer = Buffer.allocUnsafe(${CHUNK});
function hash(abs) {
  const fd = fs.openSync(abs, 'r');
  try {
    const md5 = createHash('md5');
    let size = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      md5.update(buffer.subarray(0, n));
      size += n;
    }
    return { size, md5: md5.digest('base64') };
  } finally {
    fs.closeSync(fd);
  }
}
parentPort.on('message', ({ id, files }) => {
  const results = files.map((abs) => {
    try {
      return hash(abs);
    } catch (err) {
      return { error: err && err.message ? err.message : String(err) };
    }
  });
  parentPort.postMessage({ id, results });
});
`;

/** One file's hash, or why it could not be read. */
export type HashResult = FileHash | { error: string };

export interface HashWorkers {
  /** Number of worker threads. */
  readonly size: number;
  /** MD5 and size of each file, in order; a file that cannot be read gets its error. */
  hashBatch(files: readonly string[], worker: number): Promise<HashResult[]>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (r: HashResult[]) => void;
  reject: (err: Error) => void;
}

/** How many workers: one per core, at most `max` and at most four. */
export function workerCount(max: number): number {
  return Math.max(1, Math.min(availableParallelism(), 4, max));
}

export function startHashWorkers(size: number): HashWorkers {
  let nextId = 0;
  let closed = false;
  const pools = Array.from({ length: size }, () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const pending = new Map<number, Pending>();
    const failAll = (err: Error) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    worker.on('message', (m: { id: number; results: HashResult[] }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      p?.resolve(m.results);
    });
    worker.on('error', (err) => failAll(new Error(`a hashing worker failed: ${err.message}`)));
    worker.on('exit', (code) => {
      if (!closed) failAll(new Error(`a hashing worker stopped (exit code ${code})`));
    });
    return { worker, pending };
  });
  return {
    size,
    hashBatch(files, index) {
      const pool = pools[index % size];
      if (!pool || closed) return Promise.reject(new Error('the hashing workers are closed'));
      const id = nextId++;
      return new Promise<HashResult[]>((resolve, reject) => {
        pool.pending.set(id, { resolve, reject });
        pool.worker.postMessage({ id, files });
      });
    },
    async close() {
      closed = true;
      await Promise.all(pools.map((p) => p.worker.terminate()));
    },
  };
}
