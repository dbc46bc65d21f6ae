// Hashing workers started before the plugin's code is loaded. A worker thread takes ~40–80 ms
// to boot, and the plugin's code ~40–60 ms to load and ~20 ms more to read its settings and
// start the walk: started from the entry (index.ts), a worker boots on another core while all
// that happens on this one, and is ready when the first files are. On a no-op re-sync of
// large files (hashing is most of it) that is ~10 % of the run.
//
// They are unreferenced until taken, so a run that never hashes (bad settings, an empty
// source, an error) exits as if they were not there; one that fails while booting is dropped
// here and replaced by a fresh one when the hashing starts.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from './worker-thread.ts';

/** How many threads hash (the main thread and the workers): one per core, at most `max` and at most four. */
export function hashThreadCount(max = Number.POSITIVE_INFINITY): number {
  return Math.max(1, Math.min(availableParallelism(), 4, max));
}

let waiting: Worker[] = [];

/**
 * Starts one hashing worker per core beyond the first (at most three), to be taken later.
 * `start` is for tests (a worker that fails).
 */
export function prestartHashWorkers(start: () => Worker = startWorkerThread): void {
  const count = hashThreadCount() - 1;
  for (let i = 0; i < count; i++) {
    const worker = start();
    worker.unref();
    const drop = () => {
      waiting = waiting.filter((w) => w !== worker);
    };
    worker.once('error', drop);
    worker.once('exit', drop);
    waiting.push(worker);
  }
}

/**
 * Up to `count` of the workers started early that are still alive, referenced again; the
 * others are stopped (the run hashes on fewer threads than were started: `concurrency`).
 */
export function takePrestartedWorkers(count: number): Worker[] {
  const taken = waiting.slice(0, count);
  for (const worker of waiting.slice(count)) void worker.terminate();
  waiting = [];
  for (const worker of taken) {
    worker.removeAllListeners('error');
    worker.removeAllListeners('exit');
    worker.ref();
  }
  return taken;
}
