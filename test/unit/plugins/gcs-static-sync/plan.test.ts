import assert from 'node:assert/strict';
import { type ObjectAttributes, SOURCE_MD5_KEY } from '../../../../plugins/gcs-static-sync/attributes.ts';
import {
  computeSyncPlan,
  type HashedFile,
  needsCrc32c,
  type PlanOptions,
} from '../../../../plugins/gcs-static-sync/plan.ts';
import type { RemoteObject } from '../../../../plugins/gcs-static-sync/remote.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-01-10T12:00:00Z');

const attrs = (over: Partial<ObjectAttributes> = {}): ObjectAttributes => ({
  contentType: 'text/plain',
  cacheControl: undefined,
  gzip: false,
  metadata: {},
  ...over,
});

const file = (path: string, md5: string, over: Partial<ObjectAttributes> = {}, size = 10): HashedFile => ({
  path,
  abs: `/src/${path}`,
  name: `p/${path}`,
  hash: { size, md5, crc32c: `crc-${md5}` },
  attrs: attrs(over),
});

const remote = (name: string, over: Partial<RemoteObject> = {}): RemoteObject => ({
  name,
  size: 10,
  md5Hash: undefined,
  crc32c: undefined,
  contentType: 'text/plain',
  contentEncoding: undefined,
  cacheControl: undefined,
  metadata: {},
  updated: NOW - 48 * HOUR,
  ...over,
});

const opts = (over: Partial<PlanOptions> = {}): PlanOptions => ({
  prefix: 'p/',
  delete: false,
  now: NOW,
  ignored: () => false,
  ...over,
});

const byName = (...objects: RemoteObject[]) => new Map(objects.map((o) => [o.name, o]));

describe('gcs-static-sync: computeSyncPlan', () => {
  it('uploads new files and files whose MD5 or size differs; leaves the same ones', () => {
    const plan = computeSyncPlan(
      [
        file('new.txt', 'A'),
        file('same.txt', 'B'),
        file('changed.txt', 'C'),
        file('resized.txt', 'D', {}, 11),
      ],
      byName(
        remote('p/same.txt', { md5Hash: 'B' }),
        remote('p/changed.txt', { md5Hash: 'X' }),
        remote('p/resized.txt', { md5Hash: 'D' }),
      ),
      opts(),
    );
    assert.deepEqual(
      plan.uploads.map((u) => [u.file.path, u.reason]),
      [
        ['new.txt', 'new'],
        ['changed.txt', 'changed'],
        ['resized.txt', 'changed'],
      ],
    );
    assert.equal(plan.unchanged, 1);
    assert.deepEqual(plan.patches, []);
  });

  it('compares CRC32C when the object has no MD5 (composite objects), and asks for it only then', () => {
    const composite = remote('p/a.txt', { crc32c: 'crc-A' });
    assert.equal(needsCrc32c(composite, false), true);
    assert.equal(needsCrc32c(remote('p/a.txt', { md5Hash: 'A', crc32c: 'x' }), false), false);
    assert.equal(needsCrc32c(composite, true), false);
    assert.equal(needsCrc32c(undefined, false), false);
    const same = computeSyncPlan([file('a.txt', 'A')], byName(composite), opts());
    assert.equal(same.unchanged, 1);
    const other = computeSyncPlan(
      [file('a.txt', 'A')],
      byName(remote('p/a.txt', { crc32c: 'crc-Z' })),
      opts(),
    );
    assert.equal(other.uploads.length, 1);
    // Neither hash: cannot prove it is the same, so upload.
    const none = computeSyncPlan([file('a.txt', 'A')], byName(remote('p/a.txt')), opts());
    assert.equal(none.uploads.length, 1);
  });

  it('gzip files compare the source MD5 kept in metadata, not the stored bytes', () => {
    const gz = { gzip: true };
    const stored = remote('p/app.js', {
      md5Hash: 'md5-of-compressed',
      size: 4,
      contentEncoding: 'gzip',
      metadata: { [SOURCE_MD5_KEY]: 'S' },
    });
    assert.equal(computeSyncPlan([file('app.js', 'S', gz)], byName(stored), opts()).unchanged, 1);
    const changed = computeSyncPlan([file('app.js', 'T', gz)], byName(stored), opts());
    assert.equal(changed.uploads[0]?.reason, 'changed');
    assert.deepEqual(changed.uploads[0]?.metadata, { [SOURCE_MD5_KEY]: 'T' });
    // gzip switched off: the stored object is compressed, the wanted one is not.
    assert.equal(computeSyncPlan([file('app.js', 'S')], byName(stored), opts()).uploads.length, 1);
    // gzip switched on: a plain object with the right MD5 is still not what is wanted.
    const plain = remote('p/app.js', { md5Hash: 'S' });
    assert.equal(computeSyncPlan([file('app.js', 'S', gz)], byName(plain), opts()).uploads.length, 1);
  });

  it('patches metadata-only changes: Content-Type, Cache-Control, custom metadata added and removed', () => {
    const plan = computeSyncPlan(
      [
        file('a.html', 'A', {
          contentType: 'text/html',
          cacheControl: 'no-cache',
          metadata: { team: 'web' },
        }),
        file('b.txt', 'B'),
      ],
      byName(
        remote('p/a.html', { md5Hash: 'A', contentType: 'text/plain', metadata: { old: 'x', team: 'web' } }),
        remote('p/b.txt', { md5Hash: 'B', cacheControl: 'max-age=1', metadata: { gone: '' } }),
      ),
      opts(),
    );
    assert.equal(plan.uploads.length, 0);
    assert.deepEqual(
      plan.patches.map((p) => [p.file.path, p.changes, p.patch]),
      [
        [
          'a.html',
          ['Content-Type', 'Cache-Control', 'metadata'],
          { contentType: 'text/html', cacheControl: 'no-cache', metadata: { old: null } },
        ],
        // An empty value counts as removed (fake-gcs-server keeps removed keys that way).
        ['b.txt', ['Cache-Control'], { cacheControl: null }],
      ],
    );
  });

  it('deletes only with delete, never folder placeholders, ignored or unreadable paths, or other prefixes', () => {
    const objects = byName(
      remote('p/keep.txt', { md5Hash: 'K' }),
      remote('p/gone.txt'),
      remote('p/folder/'),
      remote('p/skip.map'),
      remote('p/locked.txt'),
      remote('other/x.txt'),
    );
    const files = [file('keep.txt', 'K')];
    const ignored = (p: string) => p.endsWith('.map');
    const off = computeSyncPlan(files, objects, opts({ ignored, unreadable: new Set(['locked.txt']) }));
    assert.deepEqual(off.deletes, []);
    assert.equal(off.extra, 1);
    const on = computeSyncPlan(
      files,
      objects,
      opts({ delete: true, ignored, unreadable: new Set(['locked.txt']) }),
    );
    assert.deepEqual(
      on.deletes.map((d) => d.name),
      ['p/gone.txt'],
    );
  });

  it('delete_older_than keeps objects updated recently', () => {
    const objects = byName(
      remote('p/old.txt', { updated: NOW - 25 * HOUR }),
      remote('p/recent.txt', { updated: NOW - 2 * HOUR }),
    );
    const plan = computeSyncPlan([], objects, opts({ delete: true, deleteOlderThanMs: 24 * HOUR }));
    assert.deepEqual(
      plan.deletes.map((d) => d.name),
      ['p/old.txt'],
    );
    assert.deepEqual(
      plan.kept.map((d) => d.name),
      ['p/recent.txt'],
    );
    const all = computeSyncPlan([], objects, opts({ delete: true }));
    assert.equal(all.deletes.length, 2);
  });
});
