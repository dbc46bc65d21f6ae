// The source side: walk + MD5 on worker threads, then CRC32C only where the listing needs it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRC32C } from '@google-cloud/storage';
import { createIgnoreMatcher } from '../../../../plugins/gcs-static-sync/ignore.ts';
import type { RemoteObject } from '../../../../plugins/gcs-static-sync/remote.ts';
import type { Settings } from '../../../../plugins/gcs-static-sync/settings.ts';
import { completeHashes, scanSource } from '../../../../plugins/gcs-static-sync/source.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('base64');
const crc32c = (s: string) => {
  const c = new CRC32C();
  c.update(Buffer.from(s));
  return c.toString();
};
const remoteObject = (name: string, over: Partial<RemoteObject>): RemoteObject => ({
  name,
  size: 0,
  md5Hash: undefined,
  crc32c: undefined,
  contentType: undefined,
  contentEncoding: undefined,
  cacheControl: undefined,
  metadata: {},
  updated: 0,
  ...over,
});

describe('gcs-static-sync: the source scan', () => {
  let dir: string;
  let config: Pick<Settings, 'sourceDir' | 'target' | 'ignore' | 'attributes'>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gss-source-'));
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'index.html'), 'home');
    writeFileSync(join(dir, 'app/main.js'), 'main');
    writeFileSync(join(dir, 'app/main.js.map'), 'map');
    writeFileSync(join(dir, 'composite.bin'), 'composed');
    config = {
      sourceDir: dir,
      target: { bucket: 'b', prefix: 'static/' },
      ignore: ['*.map'],
      attributes: { gzip: [], contentType: {}, metadata: {} },
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('hashes every file once, reports progress, and adds CRC32C only for objects without an MD5', async () => {
    const seen: [number, number][] = [];
    const scan = await scanSource(config, createIgnoreMatcher(config.ignore), {
      concurrency: 4,
      progress: (done, total) => seen.push([done, total]),
    });
    assert.equal(scan.ignored, 1);
    assert.deepEqual(seen.at(-1), [3, 3]);
    const remote = new Map([
      ['static/composite.bin', remoteObject('static/composite.bin', { size: 8, crc32c: 'AAAAAA==' })],
      ['static/index.html', remoteObject('static/index.html', { size: 4, md5Hash: md5('home') })],
    ]);
    const r = await completeHashes(scan, remote);
    assert.deepEqual(r.failures, []);
    assert.deepEqual(
      r.files.map((f) => [f.name, f.hash.md5, f.hash.crc32c]),
      [
        ['static/app/main.js', md5('main'), undefined],
        ['static/composite.bin', md5('composed'), crc32c('composed')],
        ['static/index.html', md5('home'), undefined],
      ],
    );
  });

  it('a file the worker could not read is a failure with its reason, and is kept from deletes', async () => {
    // The read error itself comes from the worker (hash-workers.test.ts); here it is set on
    // the scan, as the worker reports it, to check what the sync makes of it.
    const scan = await scanSource(config, createIgnoreMatcher(config.ignore), { concurrency: 2 });
    const first = scan.files[0];
    assert.equal(first?.entry.path, 'app/main.js');
    if (first) {
      first.hash = undefined;
      first.error = 'ENOENT: no such file or directory';
    }
    const r = await completeHashes(scan, new Map());
    assert.deepEqual(r.failures, [
      { path: 'app/main.js', problem: 'cannot read: ENOENT: no such file or directory' },
    ]);
    assert.deepEqual([...r.unreadable], ['app/main.js']);
    assert.deepEqual(
      r.files.map((f) => f.path),
      ['composite.bin', 'index.html'],
    );
  });
});
