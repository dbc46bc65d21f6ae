import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { HASH_BATCH, hashFiles } from '../../../../../plugins/gcs-static-sync/hash/index.ts';
import * as lanes from '../../../../../plugins/gcs-static-sync/hash/lanes.ts';
import { hashThreadCount } from '../../../../../plugins/gcs-static-sync/hash/prestart.ts';

describe('gcs-static-sync: hashFiles, the main thread and the workers together', () => {
  let dir: string;
  let files: string[];
  let want: { size: number; md5: string }[];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gss-hashfiles-'));
    const bodies = Array.from({ length: 300 }, (_, i) => randomBytes((i * 997) % 70_000));
    files = bodies.map((b, i) => {
      const f = join(dir, `f${i}.bin`);
      writeFileSync(f, b);
      return f;
    });
    want = bodies.map((b) => ({ size: b.length, md5: createHash('md5').update(b).digest('base64') }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // Counts the batches the main thread hashes (the workers' LaneHasher is another module
  // instance, in another thread, so this counts the main thread's only).
  function countMainBatches(): { count: () => number; restore: () => void } {
    const original = lanes.LaneHasher.prototype.hashBatch;
    let n = 0;
    lanes.LaneHasher.prototype.hashBatch = function (this: lanes.LaneHasher, batch) {
      assert.equal(threadId, 0);
      n += 1;
      return original.call(this, batch);
    };
    return { count: () => n, restore: () => (lanes.LaneHasher.prototype.hashBatch = original) };
  }

  it('concurrency 1: the main thread alone hashes everything (no worker to boot)', async () => {
    const spy = countMainBatches();
    try {
      const got = await hashFiles(files, { concurrency: 1 });
      assert.deepEqual(got, want);
      assert.equal(spy.count(), Math.ceil(300 / HASH_BATCH));
    } finally {
      spy.restore();
    }
  });

  it('with workers: every file once, in order, whichever thread hashed it; a missing file fails alone', async function () {
    if (hashThreadCount(16) < 2) this.skip(); // a one-core machine has no worker to share with
    const spy = countMainBatches();
    const list = [...files.slice(0, 150), join(dir, 'missing.bin'), ...files.slice(150)];
    const progress: number[] = [];
    try {
      const got = await hashFiles(list, {
        concurrency: 16,
        progress: (d) => progress.push(d),
      });
      assert.deepEqual(got.slice(0, 150), want.slice(0, 150));
      assert.match(JSON.stringify(got[150]), /ENOENT/);
      assert.deepEqual(got.slice(151), want.slice(150));
      assert.equal(progress.at(-1), list.length);
      // The main thread took part, but not in everything: the workers did the rest.
      assert.ok(spy.count() >= 1 && spy.count() < progress.length, `${spy.count()} of ${progress.length}`);
    } finally {
      spy.restore();
    }
  });
});
