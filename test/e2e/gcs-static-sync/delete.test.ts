// Deletes come last and only after a clean run; delete_older_than keeps recent objects;
// dry_run changes nothing. Through the bundle, except the failed upload (see there).
import assert from 'node:assert/strict';
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestbed } from '../../testbed/hooks.ts';
import { clearFaults, createBucket, faultStats, setFaults } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  fingerprint,
  makeSource,
  readBucket,
  removeSource,
  runSync,
  runSyncInProcess,
  summaryLine,
  syncEnv,
} from './helpers.ts';

const FILES = {
  'index.html': '<h1>v1</h1>',
  'static/app.v1.js': 'v1',
  'static/app.v1.css': 'v1',
  'static/shared.js': 'shared',
};

describe('gcs-static-sync e2e: delete, delete_older_than, dry_run, failures', function () {
  this.timeout(60_000);
  let state: TestbedState;
  const dirs: string[] = [];
  /** A bucket synced from FILES; then the source moves to v2 (the v1 assets are gone). */
  const deployV2 = async (prefix: string) => {
    const bucket = await createBucket(state, prefix);
    const src = makeSource(FILES);
    dirs.push(src);
    const first = await runSync(state, syncEnv(state, src, bucket));
    assert.equal(first.code, 0, first.output);
    rmSync(join(src, 'static/app.v1.js'));
    rmSync(join(src, 'static/app.v1.css'));
    writeFileSync(join(src, 'static/app.v2.js'), 'v2');
    writeFileSync(join(src, 'index.html'), '<h1>v2</h1>');
    return { bucket, src };
  };

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
  });
  afterEach(() => clearFaults(state));
  after(() => {
    for (const d of dirs) removeSource(d);
  });

  it('without delete, objects gone from the source stay', async () => {
    const { bucket, src } = await deployV2('gss-nodelete');
    const r = await runSync(state, syncEnv(state, src, bucket));
    assert.equal(r.code, 0, r.output);
    assert.match(summaryLine(r.output, 'deleted'), /^0 objects \(2 not in source, not deleted\)/);
    assert.deepEqual([...(await readBucket(state, bucket)).keys()].sort(), [
      'index.html',
      'static/app.v1.css',
      'static/app.v1.js',
      'static/app.v2.js',
      'static/shared.js',
    ]);
  });

  it('with delete, they are deleted after the uploads', async () => {
    const { bucket, src } = await deployV2('gss-delete');
    const r = await runSync(state, syncEnv(state, src, bucket, { PLUGIN_DELETE: 'true' }));
    assert.equal(r.code, 0, r.output);
    assert.match(summaryLine(r.output, 'deleted'), /^2 objects/);
    assert.ok(r.output.indexOf('== uploading') < r.output.indexOf('== deleting'), 'uploads come first');
    assert.deepEqual([...(await readBucket(state, bucket)).keys()].sort(), [
      'index.html',
      'static/app.v2.js',
      'static/shared.js',
    ]);
  });

  it('delete_older_than keeps objects updated recently, deletes older ones', async () => {
    const { bucket, src } = await deployV2('gss-older');
    const env = syncEnv(state, src, bucket, { PLUGIN_DELETE: 'true', PLUGIN_DELETE_OLDER_THAN: '24h' });
    // Just written: younger than 24 h, so kept.
    const recent = await runSync(state, env);
    assert.equal(recent.code, 0, recent.output);
    assert.match(summaryLine(recent.output, 'deleted'), /^0 objects \(2 kept: updated recently\)/);
    assert.equal((await readBucket(state, bucket)).size, 5);
    // Objects older than a second, once a second has passed: deleted.
    const written = Math.max(
      ...[...(await readBucket(state, bucket)).values()].map((o) => Date.parse(o.updated)),
    );
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, written + 1500 - Date.now())));
    const later = await runSync(state, { ...env, PLUGIN_DELETE_OLDER_THAN: '1s' });
    assert.equal(later.code, 0, later.output);
    assert.match(summaryLine(later.output, 'deleted'), /^2 objects/);
    assert.equal((await readBucket(state, bucket)).size, 3);
  });

  it('dry_run prints the plan and changes nothing', async () => {
    const { bucket, src } = await deployV2('gss-dry');
    const before = fingerprint(await readBucket(state, bucket));
    await clearFaults(state);
    const r = await runSync(
      state,
      syncEnv(
        state,
        src,
        bucket,
        { PLUGIN_DELETE: 'true', PLUGIN_DRY_RUN: 'true', PLUGIN_CACHE_CONTROL: 'max-age=9' },
        'proxy',
      ),
    );
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /^upload static\/app\.v2\.js \(new, 2 B\)$/m);
    assert.match(r.output, /^upload index\.html \(changed, 11 B\)$/m);
    assert.match(r.output, /^update static\/shared\.js \(Cache-Control\)$/m);
    assert.match(r.output, /^delete static\/app\.v1\.css$/m);
    assert.match(summaryLine(r.output, 'to upload'), /^2 files/);
    assert.match(summaryLine(r.output, 'to delete'), /^2 objects/);
    // The bucket root with a delimiter, then static/: a dry run only lists.
    assert.equal((await faultStats(state)).requests, 2, 'a dry run only lists');
    assert.deepEqual(fingerprint(await readBucket(state, bucket)), before);
  });

  it('a failed upload: every failure reported, exit 1, and nothing deleted', async () => {
    const { bucket, src } = await deployV2('gss-fail');
    writeFileSync(join(src, 'static/app.v2.css'), 'v2');
    const before = await readBucket(state, bucket);
    // Every attempt to upload the two new v2 files fails (retries included).
    await setFaults(state, { rate: 1, kinds: [503], match: 'name=static%2Fapp.v2.' });
    // In-process: every try fails, and with the default backoff (1, 2, 4, 8, 16 s) giving up
    // takes over half a minute; no setting shortens it, so the test injects one retry.
    const r = await runSyncInProcess(state, syncEnv(state, src, bucket, { PLUGIN_DELETE: 'true' }, 'proxy'), {
      storageRetry: { maxRetries: 1, maxRetryDelay: 1, retryDelayMultiplier: 1 },
    });
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /^failed: static\/app\.v2\.js: upload failed: .*(?:503|Backend Error)/m);
    assert.match(r.output, /^failed: static\/app\.v2\.css: upload failed: /m);
    assert.match(r.output, /not deleting 2 objects under gs:\/\/[^ ]+\/: 2 files failed/);
    assert.match(
      r.output,
      /^gcs-static-sync failed: 2 files failed \(static\/app\.v2\.css, static\/app\.v2\.js\)/m,
    );
    assert.match(summaryLine(r.output, 'failed'), /^2 files/);
    const stats = await faultStats(state);
    assert.equal(stats.injected.total, 4, 'each of the two uploads tried twice');
    assert.ok(!stats.log.some((l) => l.request.startsWith('DELETE')));
    const after = await readBucket(state, bucket);
    assert.ok(after.has('static/app.v1.js') && after.has('static/app.v1.css'), 'an old object was deleted');
    // The index.html change did go through: failures do not stop the other files.
    assert.notEqual(after.get('index.html')?.md5Hash, before.get('index.html')?.md5Hash);
  });

  it('a source file that cannot be read is a failure, and blocks deletes too', async () => {
    const { bucket, src } = await deployV2('gss-unreadable');
    // A broken link (a 0000 file would not do: tests may run as root, who reads it anyway).
    symlinkSync(join(src, 'nowhere.js'), join(src, 'static/broken.js'));
    const r = await runSync(state, syncEnv(state, src, bucket, { PLUGIN_DELETE: 'true' }));
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /^failed: static\/broken\.js: broken symbolic link$/m);
    assert.match(r.output, /not deleting 2 objects/);
    const after = await readBucket(state, bucket);
    assert.ok(after.has('static/app.v1.js') && after.has('static/app.v1.css'), 'an old object was deleted');
    assert.ok(after.has('static/app.v2.js'), 'the readable files are still uploaded');
  });
});
