import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileMd5Lanes } from '../../../../../plugins/gcs-static-sync/hash/md5-lanes.ts';
import { startHashWorkers } from '../../../../../plugins/gcs-static-sync/hash/pool.ts';
import { hashThreadCount } from '../../../../../plugins/gcs-static-sync/hash/prestart.ts';

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

  it('in the lanes (twelve at a time): every length around the 64-byte blocks and the chunks, big files alone', async () => {
    // Without WebAssembly SIMD the workers would quietly use OpenSSL and this test prove nothing.
    assert.ok(compileMd5Lanes(), 'this Node has WebAssembly SIMD');
    const chunk = 256; // files over 4 chunks (1 KiB) are hashed alone
    const sizes = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 255, 256, 257, 511, 512, 513];
    sizes.push(767, 768, 1000, 1023, 1024, 1025, 3000, 70, 0, 300);
    const bodies = sizes.map((n) => randomBytes(n));
    const files = bodies.map((b, i) => {
      const f = join(dir, `lane-${i}.bin`);
      writeFileSync(f, b);
      return f;
    });
    const want = bodies.map((b) => ({ size: b.length, md5: createHash('md5').update(b).digest('base64') }));
    // The plugin's lanes (three groups of four), one and two groups, and OpenSSL alone.
    for (const lanes of [true, 1, 2, false]) {
      const workers = startHashWorkers(1, { chunk, lanes });
      try {
        assert.deepEqual(await workers.hashBatch(files, 0), want, `lanes: ${lanes}`);
        // A batch with fewer files than lanes, after a full one: the lanes start afresh.
        assert.deepEqual(await workers.hashBatch(files.slice(3, 5), 0), want.slice(3, 5));
      } finally {
        await workers.close();
      }
    }
  });

  it('in the lanes, a file that cannot be opened or read fails alone', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    const bodies = [randomBytes(700), randomBytes(64), randomBytes(5000), randomBytes(129)];
    const files = bodies.map((b, i) => {
      const f = join(dir, `ok-${i}.bin`);
      writeFileSync(f, b);
      return f;
    });
    const batch = [files[0], join(dir, 'gone.bin'), files[1], folder, files[2], files[3]] as string[];
    const workers = startHashWorkers(1, { chunk: 256 });
    try {
      const r = await workers.hashBatch(batch, 0);
      const md5 = (b: Buffer) => ({ size: b.length, md5: createHash('md5').update(b).digest('base64') });
      assert.deepEqual([r[0], r[2], r[4], r[5]], bodies.map(md5));
      assert.match((r[1] as { error: string }).error, /ENOENT/);
      assert.match((r[3] as { error: string }).error, /EISDIR/);
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
    assert.equal(hashThreadCount(1), 1);
    assert.ok(hashThreadCount(64) >= 1 && hashThreadCount(64) <= 4);
  });
});
