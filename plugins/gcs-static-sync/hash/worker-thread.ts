// Starts one hashing worker thread. This is the version for the TypeScript sources (tests,
// benchmarks), on worker-tsx.mjs. The bundle replaces this module with one that starts its
// own worker entry, chunks/hash-worker.js, beside the chunk that holds this code
// (scripts/bundle.ts). What it hashes with arrives as its first message (pool.ts).
import { Worker } from 'node:worker_threads';

export const startWorkerThread = (): Worker => new Worker(new URL('./worker-tsx.mjs', import.meta.url));
