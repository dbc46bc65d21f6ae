// Entry of a hashing worker thread (its own esbuild entry in the bundle, scripts/bundle.ts):
// the only file of hash/ that runs anything when loaded. Each message is a batch of files;
// the answer is each file's size and MD5, or why it could not be read (batch.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { createBatchHasher } from './batch.ts';
import type { HashWorkerData } from './pool.ts';

const port = parentPort;
if (!port) throw new Error('hash/worker.ts runs in a worker thread');
const hash = createBatchHasher(workerData as HashWorkerData);
port.on('message', ({ id, files }: { id: number; files: string[] }) => {
  port.postMessage({ id, results: hash(files) });
});
