// The default Block Kit message, built from Drone variables and a deploy summary.
import assert from 'node:assert/strict';
import { readBuildContext } from '../../../../common/ci.ts';
import type { DeploySummary } from '../../../../common/summary.ts';
import { collectFacts } from '../../../../plugins/slack-notify/facts.ts';
import { fitToLimits } from '../../../../plugins/slack-notify/limits.ts';
import { buildDefaultMessage } from '../../../../plugins/slack-notify/message.ts';
import { decideNotification } from '../../../../plugins/slack-notify/status.ts';
import { BUILD_ENV, summary } from './build-env.ts';
import { assertWithinSlackLimits } from './slack-limits.ts';

const NOW = Date.UTC(2026, 0, 5, 10, 3, 12);

function message(env: Record<string, string>, deploy?: DeploySummary, mentions = '') {
  const ctx = readBuildContext(env);
  const { status } = decideNotification(ctx, ['always']);
  const m = buildDefaultMessage({
    facts: collectFacts(ctx, status, NOW),
    deploy,
    mentions,
    color: undefined,
  });
  const payload = fitToLimits({ text: m.text, attachments: [m.attachment] });
  assertWithinSlackLimits(payload);
  return { ...m, payload, all: JSON.stringify(payload) };
}

describe('slack-notify default message', () => {
  it('success: headline with repo, build and branch; fields; first line of the commit; colour', () => {
    const m = message(BUILD_ENV);
    assert.equal(
      m.text,
      ':white_check_mark: *Succeeded*: <https://git.example.com/acme/web|acme/web> <https://drone.example.com/acme/web/42|#42> on branch `main`',
    );
    assert.equal(m.attachment.color, '#2eb886');
    assert.equal(m.attachment.fallback, 'Succeeded: acme/web #42 (main) by The Octocat (octocat)');
    const first = m.attachment.blocks?.[0] as { fields: { text: string }[] };
    const fields = first.fields.map((f) => f.text);
    assert.deepEqual(fields, [
      '*Branch*\n`main`',
      '*Commit*\n<https://git.example.com/acme/web/commit/7fd1a60b|7fd1a60b>',
      '*Author*\nThe Octocat (octocat)',
      '*Duration*\n3m12s',
      '*Event*\npush',
    ]);
    assert.match(m.all, />Cache the rendered manifests"/);
    assert.doesNotMatch(m.all, /not shown|Failed steps/);
  });

  it('drone exec (build 0, no repo, started = finished): no "#0", no empty repo, the time since the start', () => {
    const start = String(Date.UTC(2026, 0, 5, 10, 2, 0) / 1000);
    const m = message({
      DRONE_BUILD_NUMBER: '0',
      DRONE_BUILD_EVENT: 'push',
      DRONE_BUILD_CREATED: start,
      DRONE_BUILD_STARTED: start,
      DRONE_BUILD_FINISHED: start,
      DRONE_COMMIT_BRANCH: 'main',
    });
    assert.equal(m.text, ':white_check_mark: *Succeeded*: build on branch `main`');
    assert.equal(m.attachment.fallback, 'Succeeded: (main)');
    assert.match(m.all, /\*Duration\*\\n1m12s/);
    assert.doesNotMatch(m.all, /#0/);
  });

  it('failure in a parallel pipeline: failed steps listed, mentions in the headline, red', () => {
    const m = message({ ...BUILD_ENV, DRONE_FAILED_STEPS: 'unit-tests,lint' }, undefined, '<@U012ABCDEF>');
    assert.match(m.text, /^<@U012ABCDEF> :x: \*Failed\*: /);
    assert.equal(m.attachment.color, '#a30200');
    assert.match(m.all, /\*Failed steps\*\\n`unit-tests`, `lint`/);
  });

  it('fixed: after a failed previous build, blue', () => {
    const m = message({ ...BUILD_ENV, DRONE_PREV_BUILD_STATUS: 'failure' });
    assert.match(m.text, /^:tada: \*Fixed\*/);
    assert.equal(m.attachment.color, '#1d9bd1');
  });

  it('tag and pull request builds name the tag or the pull request', () => {
    assert.match(message({ ...BUILD_ENV, DRONE_TAG: 'v1.2.0' }).text, /on tag `v1\.2\.0`$/);
    assert.match(message({ ...BUILD_ENV, DRONE_PULL_REQUEST: '17' }).text, /on pull request #17$/);
  });

  it('deploy summary: result, image, clusters and the rollback command', () => {
    const m = message(BUILD_ENV, summary());
    assert.match(m.text, / · deployed to 2 clusters$/);
    assert.match(m.all, /:rocket: \*Deployed\*/);
    assert.match(m.all, /\*Image\*\\n`web=gcr.io\/acme\/web:7fd1a60b`/);
    assert.match(
      m.all,
      /• `asia-northeast1\/prod-1 \(web\)` deployed\\n• `us-central1\/prod-2 \(web\)` deployed/,
    );
    assert.match(m.all, /\*Roll back with\*\\n```docker run --rm -e PLUGIN_REVISION=41 acme\/rollback```/);
  });

  it('rollback summaries: a failed deploy undone by gke-deploy, and the rollback plugin', () => {
    const undone = message(
      { ...BUILD_ENV, DRONE_BUILD_STATUS: 'failure' },
      summary({
        result: 'rolled_back',
        message: 'rollout of web timed out after 5m',
        clusters: [
          {
            id: 'asia-northeast1/prod-1',
            name: 'prod-1',
            namespace: 'web',
            result: 'rolled_back',
            error: 'deployment "web" exceeded its progress deadline',
            workloads: [],
          },
        ],
      }),
    );
    assert.match(undone.text, / · deploy rolled back$/);
    assert.match(undone.all, /:rewind: \*Rolled back\*\\nrollout of web timed out after 5m/);
    assert.match(undone.all, /rolled back: deployment \\"web\\" exceeded its progress deadline/);
    assert.match(undone.all, /\*Undo with\*\\n```docker run/);
    const manual = message(BUILD_ENV, summary({ plugin: 'rollback', result: 'rolled_back' }));
    assert.match(manual.text, / · rolled back 2 clusters$/);
    assert.match(manual.all, /Rolled back\* by the rollback plugin/);
  });

  it('a deploy rolled back by its metrics: which check failed, where, with which value', () => {
    const m = message(
      { ...BUILD_ENV, DRONE_BUILD_STATUS: 'failure' },
      summary({
        result: 'rolled_back',
        message: 'rolled back (analysis: error-rate on asia-northeast1/prod-1: value 0.2 > max 0.05)',
        analysis: [
          {
            check: 'error-rate',
            cluster: 'asia-northeast1/prod-1',
            query: 'sum(rate(errors[1m]))',
            values: [0.2],
            verdict: 'failed',
            breach: 'value 0.2 > max 0.05',
          },
          {
            check: 'latency',
            cluster: 'asia-northeast1/prod-1',
            query: 'q',
            values: [0.1],
            verdict: 'passed',
          },
        ],
      }),
    );
    assert.match(
      m.all,
      /rolled back \(analysis: error-rate on asia-northeast1\/prod-1: value 0.2 &gt; max 0.05\)/,
    );
    assert.match(
      m.all,
      /\*Failed check\*\\n• `error-rate` on `asia-northeast1\/prod-1`: value 0.2 &gt; max 0.05/,
    );
    assert.doesNotMatch(m.all, /`latency`/);
  });

  it('never shows a cut rollback command', () => {
    const m = message(BUILD_ENV, summary({ rollbackCommand: `docker run ${'-e X=1 '.repeat(1000)}` }));
    assert.match(m.all, /Roll back with\* the command in the deploy step's log \(too long to show here\)/);
  });

  it('an oversize commit message, thousands of clusters and failed steps still fit', () => {
    const clusters = Array.from({ length: 2000 }, (_, i) => ({
      id: `region-${i}/cluster-${i}`,
      name: `cluster-${i}`,
      namespace: 'web',
      result: 'failed' as const,
      error: 'x'.repeat(500),
      workloads: [],
    }));
    const m = message(
      {
        ...BUILD_ENV,
        DRONE_COMMIT_MESSAGE: `${'<&> long title '.repeat(20_000)}\nbody`,
        DRONE_FAILED_STEPS: Array.from({ length: 500 }, (_, i) => `step-${i}`).join(','),
        DRONE_COMMIT_BRANCH: 'b'.repeat(5000),
      },
      summary({ clusters, images: Array.from({ length: 300 }, (_, i) => `img-${i}=${'r'.repeat(200)}`) }),
    );
    assert.match(m.text, /on branch `b{190,200}…` · /);
    assert.match(m.all, /…and \d+ more clusters/);
    assert.match(m.all, /…and \d+ more steps/);
    assert.ok(m.all.length < 40_000, `payload of ${m.all.length} characters`);
  });

  it('keeps unicode intact: emoji, CJK, combining marks, right-to-left text', () => {
    const title = '修正: デプロイ 🚀 naïve café שלום';
    const m = message({ ...BUILD_ENV, DRONE_COMMIT_MESSAGE: title, DRONE_COMMIT_AUTHOR_NAME: 'Zoë 山田' });
    assert.ok(m.all.includes(`>${title}`));
    assert.ok(m.all.includes('Zoë 山田 (octocat)'));
  });

  it('without Drone variables it still makes a valid message', () => {
    const m = message({});
    assert.match(m.text, /:white_check_mark: \*Succeeded\*: build/);
  });
});
