// Files over the resumable-upload threshold (4 MiB) through the shipped bundle, run as a
// child process the way the image runs it. The TypeScript sources uploaded these while the
// bundle failed every one of them ("Expected signal to be an instanceof AbortSignal": the
// minifier renamed a class whose name a dependency checks), so only the bundle can tell.
// Random bytes: gzip cannot shrink them, and nothing about the content is special.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { privateBundle, runBundle } from '../../helpers/bundle.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import { createBucket } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  assertStoredAsSource,
  makeSource,
  readBucket,
  removeBucket,
  removeSource,
  summaryLine,
  syncEnv,
} from './helpers.ts';

const FILES = { 'media/5mb.bin': 5_000_000, 'media/50mb.bin': 50_000_000 };

describe('gcs-static-sync e2e: resumable uploads (5 MB, 50 MB) through the bundle', function () {
  this.timeout(300_000);
  let state: TestbedState;
  let entry: string;
  let src: string;
  const buckets: string[] = [];

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
    entry = await privateBundle('gcs-static-sync');
    src = makeSource(Object.fromEntries(Object.entries(FILES).map(([p, n]) => [p, randomBytes(n)])));
  });
  after(async () => {
    removeSource(src);
    // fake-gcs-server keeps objects in memory, and the testbed is shared.
    for (const b of buckets) await removeBucket(state, b);
  });

  const sync = (env: Record<string, string>) =>
    runBundle(entry, { NODE_EXTRA_CA_CERTS: state.ca.bundle, ...env }, { timeoutMs: 240_000 });

  for (const gzip of [false, true]) {
    it(`gzip ${gzip ? 'on' : 'off'}: both stored whole (MD5, size, encoding); a re-sync sends nothing`, async () => {
      const bucket = await createBucket(state, gzip ? 'gss-big-gz' : 'gss-big');
      buckets.push(bucket);
      const env = syncEnv(state, src, bucket, gzip ? { PLUGIN_GZIP: 'bin' } : {});
      const r = await sync(env);
      assert.equal(r.code, 0, r.output);
      assert.match(summaryLine(r.stdout, 'uploaded'), /^2 files, /);
      assert.deepEqual([...(await readBucket(state, bucket)).keys()].sort(), Object.keys(FILES).sort());
      await assertStoredAsSource(state, bucket, src, Object.keys(FILES), gzip);

      const again = await sync(env);
      assert.equal(again.code, 0, again.output);
      assert.match(summaryLine(again.stdout, 'uploaded'), /^0 files/, again.output);
    });
  }
});
