// MD5 of the source files on worker threads. On the main thread each file costs three
// promise round trips through libuv's pool (open, read, close) plus the hashing itself, one
// file after another: a no-op re-sync of 1,000 files of 256 KB spent most of its time there.
// Workers read with plain synchronous calls into buffers of their own and hash in parallel,
// one worker per core (at most four), four files at a time per worker with WebAssembly SIMD
// (md5-lanes.ts), and take files in batches so 100,000 small files do not cost 100,000
// messages.
//
// The worker runs the source text of hashWorkerMain (hash-worker.ts), so the esbuild bundle
// and the TypeScript sources run it alike, with no second file to ship. The lanes module is
// compiled once here and handed to every worker. CRC32C (only for remote objects without an
// MD5) stays on the main thread: see hashFile.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type HashWorkerData, hashWorkerMain } from './hash-worker.ts';
import { CHUNK, type FileHash } from './local.ts';
import { compileMd5Lanes } from './md5-lanes.ts';

// tsx (tests) and the bundle (scripts/bundle.ts) compile with esbuild's keepNames, which
// wraps named functions in a `__name` helper that lives in the module, not in the function's
// text: the worker gets a stand-in. That name holds because the bundle's identifiers are not
// minified; minified, the helper has another name and every worker fails ("p is not defined").
const workerSource = () => `const __name = (f) => f;
(${hashWorkerMain.toString()})(require('node:worker_threads'), require('node:fs'), require('node:crypto'));`;

/** Files over this many chunks (4 MiB) are hashed by OpenSSL alone rather than in the MD5 lanes. */
const BIG_FILE_CHUNKS = 4;

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

export interface HashWorkerOptions {
  /** Hash in WebAssembly lanes where available (the default); false: OpenSSL only. */
  lanes?: boolean;
  /** Bytes read at a time (default 1 MiB; a multiple of 64). */
  chunk?: number;
}

export function startHashWorkers(size: number, opts: HashWorkerOptions = {}): HashWorkers {
  const chunk = opts.chunk ?? CHUNK;
  const workerData: HashWorkerData = {
    chunk,
    bigFile: BIG_FILE_CHUNKS * chunk,
    lanes: opts.lanes === false ? undefined : compileMd5Lanes(),
  };
  const source = workerSource();
  let nextId = 0;
  let closed = false;
  const pools = Array.from({ length: size }, () => {
    const worker = new Worker(source, { eval: true, workerData });
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
