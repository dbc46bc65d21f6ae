// Entry of a hashing worker thread (its own esbuild entry in the bundle, scripts/bundle.ts):
// the only file of hash/ that runs anything when loaded. The first message says what to hash
// with (a worker may be started before that is known: prestart.ts); each message after it is
// a batch of files, answered with each file's size and MD5, or why it could not be read
// (batch.ts).
import { parentPort } from 'node:worker_threads';
import { type BatchHasher, createBatchHasher } from './batch.ts';
import type { HashWorkerData } from './pool.ts';

export type HashWorkerMessage = { init: HashWorkerData } | { id: number; files: readonly string[] };

const port = parentPort;
if (!port) throw new Error('hash/worker.ts runs in a worker thread');
let hash: BatchHasher | undefined;
port.on('message', (m: HashWorkerMessage) => {
  if ('init' in m) hash = createBatchHasher(m.init);
  else if (hash) port.postMessage({ id: m.id, results: hash(m.files) });
  else throw new Error('a hashing worker got files before what to hash them with');
});
