// gcs-static-sync's card after real syncs to fake-gcs-server, through the bundle: on
// /dev/stdout as Drone's runner reads it (drone/runner-go livelog/extractor/writer.go), for a
// clean sync and for one with a failed file, secrets never in it.
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoLeaks } from '../../helpers/canary.ts';
import { extractCard } from '../../helpers/ci-files.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import { createBucket } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import { makeSource, removeSource, runSync, serviceAccountKey, syncEnv } from '../gcs-static-sync/helpers.ts';

type SyncCard = { schema: string; data: Record<string, unknown> };

describe('gcs-static-sync card', function () {
  this.timeout(120_000);
  let state: TestbedState;
  const sources: string[] = [];

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
  });
  after(() => {
    for (const s of sources) removeSource(s);
  });

  it('says what a clean sync uploaded', async () => {
    const src = makeSource({ 'index.html': '<p>hi</p>', 'css/site.css': 'p{}' });
    sources.push(src);
    const bucket = await createBucket(state, 'gss-card');
    const r = await runSync(state, syncEnv(state, src, `${bucket}/site`, { DRONE_CARD_PATH: '/dev/stdout' }));
    assert.equal(r.code, 0, r.output);
    const card = extractCard(r.stdout) as SyncCard;
    assert.match(card.schema, /\/gcs-static-sync\.json$/);
    assert.equal(card.data.result, 'synced');
    assert.equal(card.data.ok, true);
    assert.equal(card.data.target, `gs://${bucket}/site/`);
    assert.equal(card.data.uploaded, 2);
    assert.equal(card.data.failed, 0);
    assertNoLeaks(JSON.stringify(card), [serviceAccountKey(state)]);
    // The card line is taken out of the log by the runner; nothing else is printed in that form.
    assert.equal(r.stdout.split('\u001b]1338;').length, 2);
  });

  it('is written for a sync with a failed file too, naming the file', async () => {
    const src = makeSource({ 'index.html': '<p>hi</p>' });
    sources.push(src);
    symlinkSync(join(src, 'missing.txt'), join(src, 'dangling.txt'));
    const bucket = await createBucket(state, 'gss-card-fail');
    const r = await runSync(state, syncEnv(state, src, bucket, { DRONE_CARD_PATH: '/dev/stdout' }));
    assert.equal(r.code, 1, r.output);
    const card = extractCard(r.stdout) as SyncCard;
    assert.equal(card.data.result, 'failed');
    assert.equal(card.data.ok, false);
    assert.equal(card.data.failed, 1);
    assert.deepEqual(card.data.failedFiles, [{ path: 'dangling.txt' }]);
  });
});
