// The Slack half of the testbed: the webhook sink records posts and answers as Slack does.
import assert from 'node:assert/strict';
import { ErrorCode, IncomingWebhook, IncomingWebhookHTTPError } from '@slack/webhook';
import { useTestbed } from '../../testbed/hooks.ts';
import { clearSlack, queueSlackResponses, slackRequests } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';

describe('testbed: Slack webhook sink', function () {
  this.timeout(30_000);
  let state: TestbedState;

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
  });

  beforeEach(async () => {
    await clearSlack(state);
  });

  it('records a post from @slack/webhook and answers 200 ok', async () => {
    const hook = new IncomingWebhook(state.slack.webhookUrl);
    const result = await hook.send({
      text: 'deployed web to asia-northeast1',
      blocks: [{ type: 'divider' }],
    });
    assert.equal(result.text, 'ok');
    const [req, ...rest] = await slackRequests(state);
    assert.equal(rest.length, 0);
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, new URL(state.slack.webhookUrl).pathname);
    assert.match(String(req.headers['content-type']), /application\/json/);
    // @slack/webhook 7 also posts its `timeout` default (0) as a payload field; Slack ignores it.
    const { timeout: _ignored, ...body } = req.body as Record<string, unknown>;
    assert.deepEqual(body, { text: 'deployed web to asia-northeast1', blocks: [{ type: 'divider' }] });
    assert.equal(req.status, 200);
    assert.ok(!Number.isNaN(Date.parse(req.time)));
  });

  it('answers 429 with Retry-After on demand, then ok again', async () => {
    await queueSlackResponses(state, { status: 429, retryAfter: 7 });
    const post = () =>
      fetch(state.slack.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'hi' }),
      });
    const limited = await post();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal(await limited.text(), 'rate_limited');
    const again = await post();
    assert.equal(again.status, 200);
    assert.equal(await again.text(), 'ok');
    const recorded = await slackRequests(state);
    assert.deepEqual(
      recorded.map((r) => r.status),
      [429, 200],
    );
  });

  it('answers 404 no_service and 500, which @slack/webhook reports as HTTP errors', async () => {
    await queueSlackResponses(state, { status: 404, body: 'no_service' }, { status: 500 });
    const hook = new IncomingWebhook(state.slack.webhookUrl);
    await assert.rejects(hook.send('one'), (err: unknown) => {
      assert.ok(err instanceof IncomingWebhookHTTPError);
      assert.equal(err.code, ErrorCode.HTTPError);
      assert.equal(err.statusCode, 404);
      assert.equal(err.body, 'no_service');
      return true;
    });
    await assert.rejects(hook.send('two'), (err: unknown) => {
      assert.ok(err instanceof IncomingWebhookHTTPError);
      assert.equal(err.statusCode, 500);
      return true;
    });
    assert.equal((await slackRequests(state)).length, 2);
  });

  it('delays an answer and scopes queued answers to a path', async () => {
    const other = `${state.slack.url}/services/T1/B1/other`;
    await queueSlackResponses(state, { status: 500, path: '/services/T1/B1/other' }, { delayMs: 400 });
    const t0 = Date.now();
    const slow = await fetch(state.slack.webhookUrl, { method: 'POST', body: '{"text":"slow"}' });
    assert.equal(slow.status, 200);
    assert.ok(Date.now() - t0 >= 380, `answered after ${Date.now() - t0} ms`);
    const failed = await fetch(other, { method: 'POST', body: '{"text":"x"}' });
    assert.equal(failed.status, 500);
  });

  it('drops the connection on demand', async () => {
    await queueSlackResponses(state, { reset: true });
    await assert.rejects(fetch(state.slack.webhookUrl, { method: 'POST', body: '{"text":"x"}' }), TypeError);
    const [req] = await slackRequests(state);
    assert.equal(req?.status, 0);
    assert.equal((await fetch(state.slack.webhookUrl, { method: 'POST', body: '{}' })).status, 200);
  });

  it('forgets everything on clear', async () => {
    await fetch(state.slack.webhookUrl, { method: 'POST', body: '{}' });
    await queueSlackResponses(state, { status: 500 });
    await clearSlack(state);
    assert.deepEqual(await slackRequests(state), []);
    const res = await fetch(state.slack.webhookUrl, { method: 'POST', body: '{}' });
    assert.equal(res.status, 200);
  });
});
