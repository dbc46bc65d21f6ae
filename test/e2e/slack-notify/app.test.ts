// The app mode end to end, through the bundle: a start step before the deploy and a finish
// step after it leave one message in #deploys, updated with the result, with the details in
// its thread (sent to the channel too when the deploy failed); the author is mentioned by ID
// when Slack knows the email, by name when not; a finish without a start posts a new message;
// a rate limit is waited out; a failed update never turns into a second message.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSummary } from '../../../common/summary.ts';
import {
  clearSlackAt,
  queueSlackApiErrors,
  setSlackRateLimits,
  slackApiMessages,
  slackRequestsAt,
} from '../../testbed/servers/client.ts';
import { summary } from '../../unit/plugins/slack-notify/build-env.ts';
import { type AppBed, startAppBed, textOf } from './app-harness.ts';

const FAILED = {
  DRONE_BUILD_STATUS: 'failure',
  DRONE_FAILED_STEPS: 'deploy',
};

function rolledBack() {
  return summary({
    result: 'rolled_back',
    clusters: [
      {
        id: 'asia-northeast1/prod-1',
        name: 'prod-1',
        namespace: 'web',
        result: 'rolled_back',
        workloads: [],
        error: 'rollout did not become healthy',
      },
    ],
    analysis: [
      {
        check: 'error-ratio',
        cluster: 'asia-northeast1/prod-1',
        query: 'q',
        values: [0.2],
        verdict: 'failed',
        breach: 'value 0.2 > max 0.05',
      },
    ],
  });
}

describe('slack-notify e2e: app mode (token, chat.postMessage, chat.update, threads)', function () {
  this.timeout(60_000);
  let bed: AppBed;

  before(async function () {
    this.timeout(120_000);
    bed = await startAppBed();
  });
  after(async () => bed?.sink.close());
  beforeEach(async () => clearSlackAt(bed.sink));

  it('start, deploy, finish: one message, updated, with a thread of details', async () => {
    const ws = bed.workspace();
    const start = await bed.run(bed.env({ PLUGIN_PHASE: 'start', DRONE_DEPLOY_TO: 'production' }), ws);
    assert.equal(start.code, 0, start.output);
    assert.match(start.stdout, /remembered in \.drone-slack-message\.json for the finish step/);
    const [posted] = await slackApiMessages(bed.sink);
    assert.match(textOf(posted), /Deploying.*build #42.*production/);
    const ref = JSON.parse(readFileSync(join(ws, '.drone-slack-message.json'), 'utf8'));
    assert.deepEqual(ref, { channel: 'C0DEPLOYS1', ts: posted?.ts, build: 42 });

    writeSummary(join(ws, '.drone-gke-deploy.json'), summary());
    const finish = await bed.run(bed.env({ PLUGIN_THREAD: 'true' }), ws);
    assert.equal(finish.code, 0, finish.output);
    assert.match(finish.stdout, /updated the Slack message posted at start/);

    const messages = await slackApiMessages(bed.sink);
    assert.equal(messages.length, 2, JSON.stringify(messages));
    const [main, reply] = messages;
    assert.equal(main?.ts, posted?.ts);
    assert.equal(main?.edits, 1);
    assert.match(textOf(main), /Succeeded.*deployed to 2 clusters/);
    assert.doesNotMatch(textOf(main), /Roll back with/, 'the details are in the thread');
    assert.equal(reply?.thread_ts, main?.ts);
    assert.equal(reply?.reply_broadcast, false);
    assert.match(textOf(reply), /prod-1.*prod-2/);
    assert.match(textOf(reply), /Roll back with/);
  });

  it('a failed deploy: the reply goes to the channel too, and the author is mentioned by ID', async () => {
    const ws = bed.workspace();
    assert.equal((await bed.run(bed.env({ PLUGIN_PHASE: 'start' }), ws)).code, 0);
    writeSummary(join(ws, '.drone-gke-deploy.json'), rolledBack());
    const r = await bed.run(bed.env({ ...FAILED, PLUGIN_THREAD: 'true', PLUGIN_MENTION_AUTHOR: 'true' }), ws);
    assert.equal(r.code, 0, r.output);
    const [main, reply] = await slackApiMessages(bed.sink);
    assert.match(String(main?.text), /^<@U0OCTOCAT1> :x: \*Failed\*/);
    assert.equal(reply?.reply_broadcast, true);
    assert.match(textOf(reply), /Failed steps.*deploy/);
    assert.match(textOf(reply), /error-ratio.*value 0\.2 &gt; max 0\.05/);
    assert.match(textOf(reply), /Undo with/);
  });

  it('an author Slack does not know is named instead, without an error', async () => {
    const ws = bed.workspace();
    const r = await bed.run(
      bed.env({ ...FAILED, PLUGIN_MENTION_AUTHOR: 'true', DRONE_COMMIT_AUTHOR_EMAIL: 'nobody@example.com' }),
      ws,
    );
    assert.equal(r.code, 0, r.output);
    assert.match(r.stdout, /no Slack user has the email nobody@example\.com; naming the author instead/);
    const [main] = await slackApiMessages(bed.sink);
    assert.match(String(main?.text), /^The Octocat :x: \*Failed\*/);
  });

  it('finish without a start posts a new message, and remembers it', async () => {
    const ws = bed.workspace();
    const r = await bed.run(bed.env(), ws);
    assert.equal(r.code, 0, r.output);
    assert.match(r.stdout, /posting a new message: no \.drone-slack-message\.json/);
    const messages = await slackApiMessages(bed.sink);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]?.edits, 0);
    assert.match(readFileSync(join(ws, '.drone-slack-message.json'), 'utf8'), /C0DEPLOYS1/);
  });

  it('a message file from another build is not updated', async () => {
    const ws = bed.workspace();
    writeFileSync(
      join(ws, '.drone-slack-message.json'),
      '{"channel":"C0DEPLOYS1","ts":"1.000001","build":41}',
    );
    const r = await bed.run(bed.env(), ws);
    assert.equal(r.code, 0, r.output);
    assert.match(r.stdout, /is from build #41, not this build #42/);
    assert.equal((await slackApiMessages(bed.sink)).length, 1);
  });

  it('ratelimited: waits for Retry-After, then one message', async () => {
    await setSlackRateLimits(bed.sink, { method: 'chat.postMessage', retryAfter: 1 });
    const r = await bed.run(bed.env(), bed.workspace());
    assert.equal(r.code, 0, r.output);
    const calls = await slackRequestsAt(bed.sink);
    assert.deepEqual(
      calls.map((c) => c.status),
      [429, 200],
    );
    const waited = Date.parse(calls[1]?.time ?? '') - Date.parse(calls[0]?.time ?? '');
    assert.ok(waited >= 950, `retried after ${waited} ms, Retry-After said 1 s`);
    assert.match(
      r.stdout,
      /Slack rate-limited chat\.postMessage; trying once more in 1\.0 s \(Retry-After\)/,
    );
    assert.equal((await slackApiMessages(bed.sink)).length, 1);
  });

  it('a failed chat.update is reported and never followed by a second message', async () => {
    const ws = bed.workspace();
    assert.equal((await bed.run(bed.env({ PLUGIN_PHASE: 'start' }), ws)).code, 0);
    await queueSlackApiErrors(bed.sink, { method: 'chat.update', error: 'message_not_found' });
    const r = await bed.run(bed.env({ PLUGIN_THREAD: 'true' }), ws);
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.stderr,
      /^slack-notify failed: Slack refused chat\.update \(message_not_found\): the message posted at start is gone \(deleted\?\); not posting a new message instead/m,
    );
    const messages = await slackApiMessages(bed.sink);
    assert.equal(messages.length, 1, 'only the start message');
    assert.equal(messages[0]?.edits, 0);
    const calls = (await slackRequestsAt(bed.sink)).map((c) => c.path);
    assert.deepEqual(calls, ['/api/chat.postMessage', '/api/chat.update']);
  });

  it('SIGTERM while waiting out a rate limit: stops at once, nothing posted, exit 143', async () => {
    await setSlackRateLimits(bed.sink, { method: 'chat.postMessage', retryAfter: 20 });
    const run = bed.start(bed.env(), bed.workspace());
    try {
      await run.waitFor(/trying once more in 20 s/, 20_000);
      const signalled = Date.now();
      run.signal('SIGTERM');
      const r = await run.done;
      assert.equal(r.code, 143, r.output);
      assert.ok(Date.now() - signalled < 3000, 'the wait ended with the signal');
      assert.match(r.stderr, /cancelled by SIGTERM before chat\.postMessage: it was not called/);
      assert.equal((await slackApiMessages(bed.sink)).length, 0);
    } finally {
      run.cleanup();
    }
  });
});
