import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishSummary } from '../../../../common/kube/publish.ts';
import { createLogger, memorySink } from '../../../../common/log.ts';
import { type DeploySummary, SUMMARY_VERSION, writeSummary } from '../../../../common/summary.ts';
import { extractCard, readOutputs } from '../../../helpers/ci-files.ts';

const started = Date.parse('2026-01-02T03:04:05.000Z');

const summary: DeploySummary = {
  version: SUMMARY_VERSION,
  plugin: 'gke-deploy',
  result: 'rolled_back',
  startedAt: new Date(started).toISOString(),
  finishedAt: new Date(started + 42_000).toISOString(),
  build: { number: 7, commit: 'abc1234' },
  images: ['registry.local/app:v2'],
  clusters: [
    {
      id: 'europe-west1/a',
      name: 'a',
      namespace: 'web',
      result: 'rolled_back',
      error: 'rollout timed out',
      workloads: [],
    },
  ],
  rollbackCommand: `docker run --rm -e PLUGIN_CLUSTERS='europe-west1/a' img`,
};

describe('publishing a deploy summary (DRONE_OUTPUT and the card)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'publish-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the outputs and the card of the summary this run wrote', () => {
    const summaryFile = join(dir, 'summary.json');
    writeSummary(summaryFile, summary);
    const out = join(dir, 'output.env');
    const written: string[] = [];
    const log = createLogger({ sink: memorySink() });
    publishSummary(
      { DRONE_OUTPUT: out, DRONE_CARD_PATH: '/dev/stdout' },
      { summaryFile, started },
      log,
      (_p, t) => written.push(t),
    );
    assert.deepEqual(readOutputs(readFileSync(out, 'utf8')), {
      IMAGE: 'registry.local/app:v2',
      CLUSTERS: 'europe-west1/a',
      RESULT: 'rolled_back',
      ROLLBACK_COMMAND: summary.rollbackCommand,
    });
    const card = extractCard(written.join('')) as { schema: string; data: Record<string, unknown> };
    assert.match(card.schema, /\/gke-deploy\.json$/);
    assert.equal(card.data.result, 'rolled_back');
    assert.equal(card.data.ok, false);
    assert.equal(card.data.seconds, 42);
    assert.deepEqual(card.data.images, [{ image: 'registry.local/app:v2' }]);
  });

  it('leaves a summary of an earlier run alone', () => {
    const summaryFile = join(dir, 'summary.json');
    writeSummary(summaryFile, summary);
    const out = join(dir, 'output.env');
    const log = createLogger({ sink: memorySink() });
    publishSummary({ DRONE_OUTPUT: out }, { summaryFile, started: started + 1 }, log);
    assert.throws(() => readFileSync(out), /ENOENT/);
  });
});
