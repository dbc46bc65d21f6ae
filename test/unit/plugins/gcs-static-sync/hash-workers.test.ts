import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHashWorkers, workerCount } from '../../../../plugins/gcs-static-sync/hash-workers.ts';

describe('gcs-static-sync: hashing on worker threads', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gss-workers-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives each file its size and MD5, across chunk boundaries, on every worker', async () => {
    const bodies = [Buffer.alloc(0), Buffer.from('home'), Buffer.alloc(2.5 * 1024 * 1024 + 17, 'abc')];
    const files = bodies.map((b, i) => {
      const f = join(dir, `f${i} ünï.bin`);
      writeFileSync(f, b);
      return f;
    });
    const workers = startHashWorkers(2);
    try {
      for (const slot of [0, 1]) {
        const results = await workers.hashBatch(files, slot);
        assert.deepEqual(
          results,
          bodies.map((b) => ({ size: b.length, md5: createHash('md5').update(b).digest('base64') })),
        );
      }
    } finally {
      await workers.close();
    }
  });

  it('reports a file it cannot read with the reason, and hashes the others', async () => {
    const ok = join(dir, 'ok.txt');
    writeFileSync(ok, 'ok');
    const workers = startHashWorkers(1);
    try {
      const [missing, good] = await workers.hashBatch([join(dir, 'gone.txt'), ok], 0);
      assert.ok(missing && 'error' in missing);
      assert.match(missing.error, /ENOENT/);
      assert.deepEqual(good, { size: 2, md5: createHash('md5').update('ok').digest('base64') });
    } finally {
      await workers.close();
    }
  });

  it('refuses work once closed; one worker per core, at most four and at most the concurrency', async () => {
    const workers = startHashWorkers(1);
    await workers.close();
    await assert.rejects(workers.hashBatch([join(dir, 'ok.txt')], 0), /closed/);
    assert.equal(workerCount(1), 1);
    assert.ok(workerCount(64) >= 1 && workerCount(64) <= 4);
  });
});
