// Transient faults (503, 429, connection resets) injected by the testbed's fault proxy on
// the listing, uploads (multipart and resumable), patches and deletes: the plugin's retries
// (the storage library's own) must end with the same bucket as a clean run. Through the
// bundle with the backoff users get (1 s, 2 s, 4 s, … plus up to 1 s of jitter), except the
// long run of faults everywhere (see there).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { useTestbed } from '../../testbed/hooks.ts';
import { clearFaults, createBucket, faultStats, setFaults } from '../../testbed/servers/client.ts';
import type { FaultPlan } from '../../testbed/servers/fault-proxy.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  assertStoredAsSource,
  fingerprint,
  makeSource,
  readBucket,
  removeSource,
  runSync,
  runSyncInProcess,
  summaryLine,
  syncEnv,
} from './helpers.ts';

describe('gcs-static-sync e2e: transient faults', function () {
  this.timeout(180_000);
  let state: TestbedState;
  let src: string;

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
    const files: Record<string, string | Buffer> = {
      // Over 4 MiB: a resumable upload.
      'media/big.bin': randomBytes(5 * 1024 * 1024 + 11),
    };
    for (let i = 0; i < 40; i++) files[`static/chunk-${i}.js`] = `export const n = ${i};\n`.repeat(20 + i);
    for (let i = 0; i < 10; i++) files[`pages/p${i}.html`] = `<p>${i}</p>`;
    src = makeSource(files);
  });
  afterEach(() => clearFaults(state));
  after(() => removeSource(src));

  /** A new fault plan with fresh counters (a POST alone keeps the previous plan's counts). */
  const plan = async (p: FaultPlan) => {
    await clearFaults(state);
    await setFaults(state, p);
  };
  const settings = { PLUGIN_GZIP: 'js', PLUGIN_CACHE_CONTROL: '{"*.html":"no-cache","**":"max-age=60"}' };

  // In-process, with a 1 s backoff: up to 43 faults, several in a row on one request, make
  // the same test take 47 s through the bundle instead of 12-13 s, and no setting shortens
  // the backoff. The bundle's retries are checked below, with fewer faults.
  it('503, 429 and resets everywhere -> the same final bucket as a clean run (in-process)', async () => {
    const clean = await createBucket(state, 'gss-clean');
    const faulty = await createBucket(state, 'gss-faulty');
    const ok = await runSyncInProcess(state, syncEnv(state, src, clean, settings));
    assert.equal(ok.code, 0, ok.output);

    // The first three requests (the listing, then whatever comes next) fail one way each, then
    // a seeded 20% of the rest, up to 25 in all.
    await plan({ sequence: [503, 429, 'reset'], rate: 0.2, kinds: [503, 429, 'reset'], seed: 7, max: 22 });
    const r = await runSyncInProcess(state, syncEnv(state, src, faulty, settings, 'proxy'));
    assert.equal(r.code, 0, r.output);
    const stats = await faultStats(state);
    assert.ok(
      stats.injected['503'] > 0 && stats.injected['429'] > 0 && stats.injected.reset > 0,
      JSON.stringify(stats.injected),
    );
    assert.ok(stats.injected.total >= 10, `only ${stats.injected.total} faults injected`);
    assert.ok(stats.log[0]?.request.startsWith('GET /storage/v1/b/'), 'the listing was faulted first');
    assert.deepEqual(
      fingerprint(await readBucket(state, faulty)),
      fingerprint(await readBucket(state, clean)),
    );

    // Metadata patches under faults.
    const patchEnv = { ...settings, PLUGIN_CACHE_CONTROL: '{"*.html":"no-cache","**":"max-age=120"}' };
    assert.equal((await runSyncInProcess(state, syncEnv(state, src, clean, patchEnv))).code, 0);
    await plan({
      sequence: [503, 'reset', 429],
      rate: 0.3,
      kinds: [503, 429, 'reset'],
      seed: 11,
      max: 12,
      match: 'PATCH',
    });
    const patched = await runSyncInProcess(state, syncEnv(state, src, faulty, patchEnv, 'proxy'));
    assert.equal(patched.code, 0, patched.output);
    assert.match(summaryLine(patched.output, 'metadata updated'), /^41 files/);
    assert.ok((await faultStats(state)).injected.total >= 5);
    assert.deepEqual(
      fingerprint(await readBucket(state, faulty)),
      fingerprint(await readBucket(state, clean)),
    );

    // Deletes under faults (a retried delete that already happened answers 404: still a success).
    rmSync(join(src, 'pages/p8.html'));
    rmSync(join(src, 'pages/p9.html'));
    const deleteEnv = { ...patchEnv, PLUGIN_DELETE: 'true' };
    assert.equal((await runSyncInProcess(state, syncEnv(state, src, clean, deleteEnv))).code, 0);
    await plan({ sequence: [503, 'reset', 429], match: 'DELETE' });
    const deleted = await runSyncInProcess(state, syncEnv(state, src, faulty, deleteEnv, 'proxy'));
    assert.equal(deleted.code, 0, deleted.output);
    assert.match(summaryLine(deleted.output, 'deleted'), /^2 objects/);
    assert.equal((await faultStats(state)).injected.total, 3);
    assert.deepEqual(
      fingerprint(await readBucket(state, faulty)),
      fingerprint(await readBucket(state, clean)),
    );
  });

  it('multipart uploads, patches and deletes survive one fault of each kind', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`static/chunk-${i}.js`] = `export const n = ${i};\n`;
    const site = makeSource(files);
    try {
      const clean = await createBucket(state, 'gss-few-clean');
      const faulty = await createBucket(state, 'gss-few-faulty');
      const phases: [string, Record<string, string>, string][] = [
        ['uploadType=multipart', settings, '^uploaded: +6 files'],
        ['PATCH', { ...settings, PLUGIN_CACHE_CONTROL: 'max-age=120' }, '^metadata updated: +6 files'],
        [
          'DELETE',
          { ...settings, PLUGIN_CACHE_CONTROL: 'max-age=120', PLUGIN_DELETE: 'true' },
          '^deleted: +3 objects',
        ],
      ];
      for (const [match, env, summary] of phases) {
        // Three requests of the kind at once, each failing once: one backoff per phase.
        if (match === 'DELETE') for (const i of [3, 4, 5]) rmSync(join(site, `static/chunk-${i}.js`));
        assert.equal((await runSync(state, syncEnv(state, site, clean, env))).code, 0, match);
        await plan({ sequence: [503, 429, 'reset'], match });
        const r = await runSync(state, syncEnv(state, site, faulty, env, 'proxy'));
        assert.equal(r.code, 0, r.output);
        assert.match(r.stdout, new RegExp(summary, 'm'));
        const stats = await faultStats(state);
        assert.deepEqual(
          [stats.injected['503'], stats.injected['429'], stats.injected.reset],
          [1, 1, 1],
          `${match}: ${JSON.stringify(stats.injected)}`,
        );
        assert.deepEqual(
          fingerprint(await readBucket(state, faulty)),
          fingerprint(await readBucket(state, clean)),
          match,
        );
      }
    } finally {
      removeSource(site);
    }
  });

  for (const fault of ['reset', 503] as const) {
    it(`a resumable upload survives a ${fault} on its data request (PUT), and stores the file whole`, async () => {
      const bucket = await createBucket(state, 'gss-resumable-put');
      await plan({ sequence: [fault], match: 'PUT ' });
      const big = makeSource({ 'big.bin': randomBytes(6 * 1024 * 1024) });
      try {
        const r = await runSync(state, syncEnv(state, big, bucket, {}, 'proxy'));
        assert.equal(r.code, 0, r.output);
        assert.equal((await faultStats(state)).injected.total, 1, 'the fault was injected');
        await assertStoredAsSource(state, bucket, big, ['big.bin'], false);
      } finally {
        removeSource(big);
      }
    });
  }

  it('a resumable upload survives faults on its requests', async () => {
    const bucket = await createBucket(state, 'gss-resumable');
    await plan({ sequence: [503, 'reset'], match: 'uploadType=resumable' });
    const big = makeSource({ 'big.bin': randomBytes(6 * 1024 * 1024) });
    try {
      const r = await runSync(state, syncEnv(state, big, bucket, {}, 'proxy'));
      assert.equal(r.code, 0, r.output);
      assert.equal((await faultStats(state)).injected.total, 2);
      const clean = await createBucket(state, 'gss-resumable-clean');
      assert.equal((await runSync(state, syncEnv(state, big, clean))).code, 0);
      assert.deepEqual(
        fingerprint(await readBucket(state, bucket)),
        fingerprint(await readBucket(state, clean)),
      );
    } finally {
      removeSource(big);
    }
  });
});
