// gcs-static-sync against fake-gcs-server: the shipped bundle as a child process, a fresh
// bucket per test. Request counts come from the fault proxy (no faults planned), so "nothing
// was uploaded" is measured on the wire, not taken from the plugin's own summary.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SOURCE_MD5_KEY } from '../../../plugins/gcs-static-sync/attributes.ts';
import { createStorage as realCreateStorage } from '../../../plugins/gcs-static-sync/storage.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import { clearFaults, createBucket, faultStats, setCompositeObjects } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  makeSource,
  readBucket,
  readObject,
  removeSource,
  runSync,
  runSyncInProcess,
  summaryLine,
  syncEnv,
} from './helpers.ts';

const md5 = (b: string | Buffer) => createHash('md5').update(b).digest('base64');

const SITE: Record<string, string> = {
  'index.html': '<h1>home</h1>\n',
  'about/index.html': '<h1>about</h1>\n',
  'static/app/main.js': 'console.log("main");\n'.repeat(40),
  'static/app/vendor.js': 'console.log("vendor");\n'.repeat(40),
  'static/css/site.css': 'body { color: #333 }\n'.repeat(20),
  'img/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
  'robots.txt': 'User-agent: *\n',
};

describe('gcs-static-sync e2e: sync', function () {
  this.timeout(60_000);
  let state: TestbedState;
  const dirs: string[] = [];
  const source = (files: Record<string, string | Buffer>) => {
    const d = makeSource(files);
    dirs.push(d);
    return d;
  };

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
  });
  beforeEach(() => clearFaults(state));
  after(() => {
    for (const d of dirs) removeSource(d);
  });

  it('first sync uploads everything with the right types; a re-sync sends nothing but the listing', async () => {
    const bucket = await createBucket(state, 'gss-first');
    const src = source(SITE);
    const env = syncEnv(state, src, `${bucket}/site`, {}, 'proxy');
    const first = await runSync(state, env);
    assert.equal(first.code, 0, first.output);
    assert.match(summaryLine(first.output, 'uploaded'), /^7 files, /);
    const objects = await readBucket(state, bucket);
    assert.deepEqual(
      [...objects.keys()].sort(),
      Object.keys(SITE)
        .map((p) => `site/${p}`)
        .sort(),
    );
    for (const [path, content] of Object.entries(SITE)) {
      assert.equal(objects.get(`site/${path}`)?.md5Hash, md5(content), path);
    }
    assert.equal(objects.get('site/index.html')?.contentType, 'text/html');
    assert.equal(objects.get('site/static/app/main.js')?.contentType, 'text/javascript');
    assert.equal(objects.get('site/static/css/site.css')?.contentType, 'text/css');
    assert.equal(objects.get('site/img/logo.svg')?.contentType, 'image/svg+xml');

    await clearFaults(state);
    const again = await runSync(state, env);
    assert.equal(again.code, 0, again.output);
    assert.match(summaryLine(again.output, 'uploaded'), /^0 files/);
    assert.match(summaryLine(again.output, 'unchanged'), /^7 files/);
    const stats = await faultStats(state);
    // site/ with a delimiter, then its folders about/, img/ and static/: listing requests only.
    assert.equal(stats.requests, 4, 'a no-op re-sync sends the listing and nothing else');
    const after = await readBucket(state, bucket);
    for (const [name, o] of objects) assert.equal(after.get(name)?.generation, o.generation, name);
  });

  // In-process: whether run() loads the storage library is only visible inside the process.
  // Small files go up without the library (multipart.ts): it is loaded for what only it
  // writes (here metadata patches; resumable uploads and deletes too), once.
  it('the storage library is loaded once to write, and not at all for a no-op re-sync (in-process)', async () => {
    const bucket = await createBucket(state, 'gss-lazy');
    const env = syncEnv(state, source(SITE), bucket);
    let clients = 0;
    const createStorage: typeof realCreateStorage = (opts) => {
      clients += 1;
      return realCreateStorage(opts);
    };
    const first = await runSyncInProcess(state, env, { createStorage });
    assert.equal(first.code, 0, first.output);
    assert.equal(clients, 0, 'small files are uploaded without the storage library');
    const again = await runSyncInProcess(state, env, { createStorage });
    assert.equal(again.code, 0, again.output);
    assert.match(summaryLine(again.output, 'unchanged'), /^7 files/);
    assert.equal(clients, 0, 'a no-op re-sync lists without the storage library');
    const patched = await runSyncInProcess(
      state,
      { ...env, PLUGIN_CACHE_CONTROL: 'max-age=7' },
      { createStorage },
    );
    assert.equal(patched.code, 0, patched.output);
    assert.match(summaryLine(patched.output, 'metadata updated'), /^7 files/);
    assert.equal(clients, 1, 'one storage client for the metadata patches');
  });

  it('lists in pages: over 1,000 objects directly under the prefix and in one folder', async function () {
    this.timeout(180_000);
    const bucket = await createBucket(state, 'gss-pages');
    const files: Record<string, string> = {};
    for (let i = 0; i < 1001; i++) {
      files[`top-${i}.txt`] = `t${i}`;
      files[`deep/er/f-${i}.txt`] = `d${i}`;
    }
    files['other/one.txt'] = 'one';
    const src = source(files);
    const env = syncEnv(state, src, `${bucket}/p`, { PLUGIN_CONCURRENCY: '32' }, 'proxy');
    const first = await runSync(state, env);
    assert.equal(first.code, 0, first.output);
    await clearFaults(state);
    const again = await runSync(state, { ...env, PLUGIN_DELETE: 'true' });
    assert.equal(again.code, 0, again.output);
    assert.match(summaryLine(again.output, 'unchanged'), /^2,?003 files/);
    assert.match(summaryLine(again.output, 'uploaded'), /^0 files/);
    assert.match(summaryLine(again.output, 'deleted'), /^0 objects/);
    // p/ with a delimiter: 2 pages (1,001 objects); p/deep/: 2 pages; p/other/: 1.
    assert.equal((await faultStats(state)).requests, 5);
  });

  it('uploads only the one changed file', async () => {
    const bucket = await createBucket(state, 'gss-one');
    const src = source(SITE);
    const env = syncEnv(state, src, bucket, {}, 'proxy');
    assert.equal((await runSync(state, env)).code, 0);
    const before = await readBucket(state, bucket);
    writeFileSync(join(src, 'static/app/main.js'), 'console.log("main v2");\n');
    await clearFaults(state);
    const r = await runSync(state, env);
    assert.equal(r.code, 0, r.output);
    assert.match(summaryLine(r.output, 'uploaded'), /^1 file, /);
    const stats = await faultStats(state);
    assert.equal(stats.requests, 5, 'the listing (4 requests) and one upload');
    const after = await readBucket(state, bucket);
    assert.equal(after.get('static/app/main.js')?.md5Hash, md5('console.log("main v2");\n'));
    for (const [name, o] of before) {
      if (name !== 'static/app/main.js') assert.equal(after.get(name)?.generation, o.generation, name);
    }
  });

  it('objects without an MD5 (composite objects) are compared by CRC32C', async () => {
    const bucket = await createBucket(state, 'gss-crc');
    const src = source(SITE);
    const env = syncEnv(state, src, bucket, {}, 'proxy');
    assert.equal((await runSync(state, env)).code, 0);
    // fake-gcs-server gives every object an MD5; the proxy takes it out for these two.
    await setCompositeObjects(state, ['robots.txt', 'static/app/main.js']);
    try {
      const listed = (await (
        await fetch(`${state.gcs.proxyUrl}/storage/v1/b/${bucket}/o?prefix=robots`)
      ).json()) as { items: { md5Hash?: string; crc32c?: string }[] };
      assert.equal(listed.items[0]?.md5Hash, undefined);
      assert.ok(listed.items[0]?.crc32c);
      const same = await runSync(state, env);
      assert.equal(same.code, 0, same.output);
      assert.match(summaryLine(same.output, 'uploaded'), /^0 files/);
      // Same size, other bytes: only the CRC32C can tell.
      writeFileSync(join(src, 'robots.txt'), 'User-agent: X\n');
      const changed = await runSync(state, env);
      assert.equal(changed.code, 0, changed.output);
      assert.match(summaryLine(changed.output, 'uploaded'), /^1 file, /);
      assert.equal((await readBucket(state, bucket)).get('robots.txt')?.md5Hash, md5('User-agent: X\n'));
    } finally {
      await setCompositeObjects(state, []);
    }
  });

  it('patches a metadata-only change without re-uploading', async () => {
    const bucket = await createBucket(state, 'gss-meta');
    const src = source(SITE);
    const env = syncEnv(state, src, bucket, { PLUGIN_CACHE_CONTROL: 'max-age=60' }, 'proxy');
    assert.equal((await runSync(state, env)).code, 0);
    const before = await readBucket(state, bucket);
    await clearFaults(state);
    const r = await runSync(state, {
      ...env,
      PLUGIN_CACHE_CONTROL: 'max-age=3600',
      PLUGIN_METADATA: '{"release":"v2"}',
      PLUGIN_CONTENT_TYPE: '{"txt":"text/plain; charset=utf-8"}',
    });
    assert.equal(r.code, 0, r.output);
    assert.match(summaryLine(r.output, 'uploaded'), /^0 files/);
    assert.match(summaryLine(r.output, 'metadata updated'), /^7 files/);
    const stats = await faultStats(state);
    assert.equal(stats.requests, 11, 'the listing (4 requests) and seven PATCH requests');
    const after = await readBucket(state, bucket);
    for (const [name, o] of before) {
      const a = after.get(name);
      assert.equal(a?.generation, o.generation, `${name} was re-uploaded`);
      assert.equal(a?.cacheControl, 'max-age=3600');
      assert.equal(a?.metadata?.release, 'v2');
    }
    assert.equal(after.get('robots.txt')?.contentType, 'text/plain; charset=utf-8');
    // Metadata removed from the settings is removed from the objects (patched, not re-uploaded).
    const third = await runSync(state, { ...env, PLUGIN_CACHE_CONTROL: 'max-age=3600' });
    assert.equal(third.code, 0, third.output);
    assert.match(summaryLine(third.output, 'metadata updated'), /^7 files/);
    const fourth = await runSync(state, { ...env, PLUGIN_CACHE_CONTROL: 'max-age=3600' });
    assert.match(summaryLine(fourth.output, 'unchanged'), /^7 files/);
  });

  it('gzip: stored compressed with Content-Encoding gzip and the source MD5; unchanged files stay', async () => {
    const bucket = await createBucket(state, 'gss-gzip');
    const src = source(SITE);
    const env = syncEnv(state, src, bucket, { PLUGIN_GZIP: 'js,css' });
    assert.equal((await runSync(state, env)).code, 0);
    const objects = await readBucket(state, bucket);
    const js = objects.get('static/app/main.js');
    assert.equal(js?.contentEncoding, 'gzip');
    assert.equal(js?.contentType, 'text/javascript');
    assert.equal(js?.metadata?.[SOURCE_MD5_KEY], md5(SITE['static/app/main.js'] as string));
    assert.ok(
      (js?.size ?? 0) < (SITE['static/app/main.js'] as string).length,
      'not smaller: not compressed?',
    );
    const stored = await readObject(state, bucket, 'static/app/main.js');
    assert.equal(gunzipSync(stored).toString(), SITE['static/app/main.js']);
    assert.equal(objects.get('index.html')?.contentEncoding ?? '', '');

    const again = await runSync(state, env);
    assert.match(summaryLine(again.output, 'uploaded'), /^0 files/);
    // The source changes, the comparison sees it through the source MD5.
    writeFileSync(join(src, 'static/css/site.css'), 'body { color: red }\n');
    const changed = await runSync(state, env);
    assert.match(summaryLine(changed.output, 'uploaded'), /^1 file, /);
    // Turning gzip off re-uploads the files plain.
    const plain = await runSync(state, syncEnv(state, src, bucket));
    assert.match(summaryLine(plain.output, 'uploaded'), /^3 files, /);
    const after = await readBucket(state, bucket);
    assert.equal(after.get('static/app/main.js')?.contentEncoding ?? '', '');
    assert.equal(after.get('static/app/main.js')?.md5Hash, md5(SITE['static/app/main.js'] as string));
  });

  it('gzip of a file over 4 MiB: compressed on the way through a resumable upload', async () => {
    const bucket = await createBucket(state, 'gss-gzip-big');
    const big = Array.from({ length: 180_000 }, (_, i) => `export const v${i} = ${i};\n`).join('');
    assert.ok(big.length > 4 * 1024 * 1024);
    const src = source({ 'static/big.js': big });
    const env = syncEnv(state, src, bucket, { PLUGIN_GZIP: 'js' }, 'proxy');
    const r = await runSync(state, env);
    assert.equal(r.code, 0, r.output);
    assert.ok((await faultStats(state)).requests >= 3, 'a resumable upload: listing, session, then the data');
    const o = (await readBucket(state, bucket)).get('static/big.js');
    assert.equal(o?.contentEncoding, 'gzip');
    assert.equal(o?.metadata?.[SOURCE_MD5_KEY], md5(big));
    assert.ok((o?.size ?? 0) < big.length / 3, `stored ${o?.size} bytes`);
    assert.equal(gunzipSync(await readObject(state, bucket, 'static/big.js')).toString(), big);
    // @google-cloud/storage sends a resumable upload's type as X-Upload-Content-Type, which
    // Cloud Storage honours and fake-gcs-server ignores (it keeps application/octet-stream):
    // the next run sees the wrong type and patches it, without uploading again.
    const again = await runSync(state, env);
    assert.match(summaryLine(again.output, 'uploaded'), /^0 files/, again.output);
    assert.equal((await readBucket(state, bucket)).get('static/big.js')?.contentType, 'text/javascript');
    const third = await runSync(state, env);
    assert.match(summaryLine(third.output, 'unchanged'), /^1 file/, third.output);
  });

  it('cache_control map: the first matching glob in written order wins', async () => {
    const bucket = await createBucket(state, 'gss-cache');
    const src = source(SITE);
    const r = await runSync(
      state,
      syncEnv(state, src, bucket, {
        PLUGIN_CACHE_CONTROL: JSON.stringify({
          '*.html': 'no-cache',
          'static/**': 'public, max-age=31536000, immutable',
          '**': 'public, max-age=300',
        }),
      }),
    );
    assert.equal(r.code, 0, r.output);
    const objects = await readBucket(state, bucket);
    assert.equal(objects.get('index.html')?.cacheControl, 'no-cache');
    assert.equal(objects.get('about/index.html')?.cacheControl, 'no-cache');
    assert.equal(objects.get('static/app/main.js')?.cacheControl, 'public, max-age=31536000, immutable');
    assert.equal(objects.get('robots.txt')?.cacheControl, 'public, max-age=300');
  });

  it('ignore: ignored files are neither uploaded nor deleted', async () => {
    const bucket = await createBucket(state, 'gss-ignore');
    const src = source({
      ...SITE,
      'static/app/main.js.map': '{}',
      'drafts/wip.html': 'wip',
      '.DS_Store': 'x',
    });
    const env = syncEnv(state, src, bucket, { PLUGIN_IGNORE: '**/*.map,drafts,.DS_Store' });
    const r = await runSync(state, env);
    assert.equal(r.code, 0, r.output);
    assert.match(summaryLine(r.output, 'ignored'), /^3 paths/);
    const names = [...(await readBucket(state, bucket)).keys()];
    assert.ok(
      !names.some((n) => n.endsWith('.map') || n.startsWith('drafts/') || n === '.DS_Store'),
      names.join(),
    );
    // An object matching an ignore glob is left alone by delete.
    const other = source(SITE);
    const withMap = await runSync(state, syncEnv(state, makeSource({ 'old.js.map': '{}' }, other), bucket));
    assert.equal(withMap.code, 0);
    const del = await runSync(state, { ...env, PLUGIN_DELETE: 'true' });
    assert.equal(del.code, 0, del.output);
    assert.ok((await readBucket(state, bucket)).has('old.js.map'));
  });

  it('names with spaces and unicode round-trip, and a re-sync finds them unchanged', async () => {
    const bucket = await createBucket(state, 'gss-names');
    const files = {
      'dir with space/file name.txt': 'spaces',
      'ünïcödé/日本語.txt': 'unicode',
      'emoji/🚀 launch.html': '<p>go</p>',
      'percent%20and+plus#hash?.txt': 'odd',
    };
    const src = source(files);
    const env = syncEnv(state, src, `${bucket}/a b`);
    const r = await runSync(state, env);
    assert.equal(r.code, 0, r.output);
    const objects = await readBucket(state, bucket);
    assert.deepEqual(
      [...objects.keys()].sort(),
      Object.keys(files)
        .map((p) => `a b/${p}`)
        .sort(),
    );
    for (const [path, content] of Object.entries(files)) {
      assert.equal((await readObject(state, bucket, `a b/${path}`)).toString(), content);
    }
    const again = await runSync(state, { ...env, PLUGIN_DELETE: 'true' });
    assert.match(summaryLine(again.output, 'unchanged'), /^4 files/);
    assert.match(summaryLine(again.output, 'deleted'), /^0 objects/);
  });

  it('empty source folder: nothing to do, exit 0; with delete it refuses to wipe the prefix', async () => {
    const bucket = await createBucket(state, 'gss-empty');
    const empty = mkdtempSync(join(tmpdir(), 'gss-empty-'));
    dirs.push(empty);
    const r = await runSync(state, syncEnv(state, empty, bucket));
    assert.equal(r.code, 0, r.output);
    assert.match(summaryLine(r.output, 'uploaded'), /^0 files/);
    assert.equal((await runSync(state, syncEnv(state, empty, bucket, { PLUGIN_DELETE: 'true' }))).code, 0);
    assert.equal((await runSync(state, syncEnv(state, source(SITE), bucket))).code, 0);
    const wipe = await runSync(state, syncEnv(state, empty, bucket, { PLUGIN_DELETE: 'true' }));
    assert.equal(wipe.code, 1);
    assert.match(wipe.output, /holds no files: refusing to delete all 7 objects/);
    assert.equal((await readBucket(state, bucket)).size, 7);
  });

  it('a missing bucket is a clear error, and nothing else happens', async () => {
    const r = await runSync(state, syncEnv(state, source(SITE), 'no-such-bucket-gss/x'));
    assert.equal(r.code, 1);
    assert.match(
      r.output,
      /gcs-static-sync failed: listing gs:\/\/no-such-bucket-gss\/x\/ failed: not found/,
    );
    assert.match(r.output, /nothing was changed/);
  });
});
