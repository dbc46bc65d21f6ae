import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRC32C } from '@google-cloud/storage';
import { createIgnoreMatcher } from '../../../../plugins/gcs-static-sync/ignore.ts';
import { hashFile, objectNameProblem, walkSource } from '../../../../plugins/gcs-static-sync/local.ts';

describe('gcs-static-sync: the source folder', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gss-local-'));
    for (const d of ['app', 'node_modules/x', 'dir with space', 'ünï'])
      mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'index.html'), 'home');
    writeFileSync(join(dir, 'app/main.js'), 'main');
    writeFileSync(join(dir, 'app/main.js.map'), 'map');
    writeFileSync(join(dir, 'node_modules/x/i.js'), 'x');
    writeFileSync(join(dir, 'dir with space/a b.txt'), 'ab');
    writeFileSync(join(dir, 'ünï/日本.txt'), 'jp');
    writeFileSync(join(dir, '.well'), 'dot');
    symlinkSync(join(dir, 'index.html'), join(dir, 'link.html'));
    symlinkSync(join(dir, 'app'), join(dir, 'linked-dir'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('walks sorted, leaves ignored files and folders out, follows file links, reports folder links', async () => {
    const r = walkSource(dir, createIgnoreMatcher(['*.map', 'node_modules']));
    assert.deepEqual(
      r.files.map((f) => f.path),
      ['.well', 'app/main.js', 'dir with space/a b.txt', 'index.html', 'link.html', 'ünï/日本.txt'],
    );
    assert.equal(r.ignored, 2);
    assert.deepEqual(r.problems, [{ path: 'linked-dir', problem: 'links to a folder; not followed' }]);
  });

  it('hashes in chunks: the same MD5 and CRC32C as hashing the whole file', async () => {
    const body = Buffer.alloc(2.5 * 1024 * 1024 + 17, 'abc');
    const file = join(dir, 'big.bin');
    writeFileSync(file, body);
    try {
      const h = await hashFile(file, true, Buffer.alloc(1024 * 1024));
      assert.equal(h.size, body.length);
      assert.equal(h.md5, createHash('md5').update(body).digest('base64'));
      const crc = new CRC32C();
      crc.update(body);
      assert.equal(h.crc32c, crc.toString());
      assert.equal((await hashFile(file, false, Buffer.alloc(4096))).crc32c, undefined);
    } finally {
      rmSync(file);
    }
  });

  it('refuses names Cloud Storage cannot store', () => {
    assert.match(objectNameProblem('a\nb') ?? '', /line breaks/);
    assert.match(objectNameProblem('é'.repeat(600)) ?? '', /1024 bytes/);
    assert.equal(objectNameProblem('dir with space/ünï 日本.txt'), undefined);
  });
});
