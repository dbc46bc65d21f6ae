// Entry of a hashing worker thread (its own esbuild entry in the bundle, scripts/bundle.ts):
// the only file of hash/ that runs anything when loaded. Each message is a batch of files;
// the answer is each file's size and MD5, or why it could not be read: eight files at a time
// in the MD5 lanes where WebAssembly SIMD is available, otherwise one at a time with OpenSSL.
import { parentPort, workerData } from 'node:worker_threads';
import { LaneHasher } from './lanes.ts';
import { hashEachAlone } from './openssl.ts';
import type { HashWorkerData } from './pool.ts';

const port = parentPort;
if (!port) throw new Error('hash/worker.ts runs in a worker thread');
const { chunk, bigFile, lanes } = workerData as HashWorkerData;
const buffer = Buffer.allocUnsafe(chunk);
const hasher = lanes ? new LaneHasher(lanes, chunk, bigFile, buffer) : undefined;
port.on('message', ({ id, files }: { id: number; files: string[] }) => {
  port.postMessage({ id, results: hasher ? hasher.hashBatch(files) : hashEachAlone(files, buffer) });
});
