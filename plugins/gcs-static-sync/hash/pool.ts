// The hashing worker threads: one per core (at most four), each running worker.ts; those
// started early (prestart.ts) are taken first. The lanes module is compiled once here and
// handed to every worker. A batch goes to the worker its slot names; a worker that fails or
// stops fails the batches it holds.
import type { Worker } from 'node:worker_threads';
import { CHUNK } from '../local.ts';
import { compileMd5Lanes } from './md5-lanes.ts';
import type { HashResult } from './openssl.ts';
import { takePrestartedWorkers } from './prestart.ts';
import type { HashWorkerMessage } from './worker.ts';
import { startWorkerThread } from './worker-thread.ts';

/** Files over this many chunks (4 MiB) are hashed by OpenSSL alone rather than in the MD5 lanes. */
const BIG_FILE_CHUNKS = 4;

export interface HashWorkerData {
  /** Bytes read at a time; a multiple of 64. */
  chunk: number;
  /** Files larger than this are hashed by OpenSSL, not in the lanes. */
  bigFile: number;
  /** The compiled MD5 lanes module, if WebAssembly SIMD is available. */
  lanes: WebAssembly.Module | undefined;
}

export interface HashWorkers {
  /** Number of worker threads (may be 0). */
  readonly size: number;
  /** How many of them were started before the plugin loaded (prestart.ts). */
  readonly early: number;
  /** What each worker hashes with (the main thread can hash with the same: batch.ts). */
  readonly data: HashWorkerData;
  /** MD5 and size of each file, in order; a file that cannot be read gets its error. */
  hashBatch(files: readonly string[], worker: number): Promise<HashResult[]>;
  close(): Promise<void>;
}

export interface HashWorkerOptions {
  /**
   * Hash in WebAssembly lanes where available (the default); false: OpenSSL only; a number:
   * that many groups of four lanes (bench/md5-lanes.ts compares them).
   */
  lanes?: boolean | number;
  /** Bytes read at a time (default 1 MiB; a multiple of 64). */
  chunk?: number;
}

interface Pending {
  resolve: (r: HashResult[]) => void;
  reject: (err: Error) => void;
}

function setUpWorker(worker: Worker, workerData: HashWorkerData, closed: () => boolean) {
  worker.postMessage({ init: workerData } satisfies HashWorkerMessage);
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
    if (!closed()) failAll(new Error(`a hashing worker stopped (exit code ${code})`));
  });
  return { worker, pending };
}

export function startHashWorkers(size: number, opts: HashWorkerOptions = {}): HashWorkers {
  const chunk = opts.chunk ?? CHUNK;
  const workerData: HashWorkerData = {
    chunk,
    bigFile: BIG_FILE_CHUNKS * chunk,
    lanes:
      opts.lanes === false
        ? undefined
        : compileMd5Lanes(typeof opts.lanes === 'number' ? opts.lanes : undefined),
  };
  let nextId = 0;
  let closed = false;
  const early = takePrestartedWorkers(size);
  const threads = [...early, ...Array.from({ length: size - early.length }, () => startWorkerThread())];
  const pools = threads.map((worker) => setUpWorker(worker, workerData, () => closed));
  return {
    size,
    early: early.length,
    data: workerData,
    hashBatch(files, index) {
      const pool = pools[index % size];
      if (!pool || closed) return Promise.reject(new Error('the hashing workers are closed'));
      const id = nextId++;
      return new Promise<HashResult[]>((resolve, reject) => {
        pool.pending.set(id, { resolve, reject });
        pool.worker.postMessage({ id, files } satisfies HashWorkerMessage);
      });
    },
    async close() {
      closed = true;
      await Promise.all(pools.map((p) => p.worker.terminate()));
    },
  };
}
