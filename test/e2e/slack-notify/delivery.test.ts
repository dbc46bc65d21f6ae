// Delivery against the sink's queued answers: 429 with Retry-After, 500s, a permanent 404,
// an answer slower than the timeout, and a webhook that is not listening yet, through the
// bundle with real waits. The sink records every request, so "exactly one message" is
// counted where Slack would count it.
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useTestbed } from '../../testbed/hooks.ts';
import { clearSlack, queueSlackResponses } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import { BUILD_ENV } from '../../unit/plugins/slack-notify/build-env.ts';
import { delivered, requests, runPlugin } from './harness.ts';

describe('slack-notify e2e: delivery, retries and failures', function () {
  this.timeout(60_000);
  let tb: TestbedState;
  let env: Record<string, string>;

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await useTestbed();
  });

  beforeEach(async () => {
    await clearSlack(tb);
    env = { ...BUILD_ENV, PLUGIN_WEBHOOK: tb.slack.webhookUrl };
  });

  it('429 with Retry-After, then success: waits as asked, exactly one message delivered', async () => {
    await queueSlackResponses(tb, { status: 429, retryAfter: 1 });
    const r = await runPlugin(env);
    assert.equal(r.code, 0, r.output);
    const reqs = await requests(tb);
    assert.deepEqual(
      reqs.map((q) => q.status),
      [429, 200],
    );
    const waited = Date.parse(reqs[1]?.time ?? '') - Date.parse(reqs[0]?.time ?? '');
    assert.ok(waited >= 950, `retried after ${waited} ms, Retry-After said 1 s`);
    assert.equal((await delivered(tb)).length, 1);
    assert.deepEqual(reqs[0]?.body, reqs[1]?.body, 'the same message both times');
    assert.match(
      r.stdout,
      /Slack answered HTTP 429 rate_limited; trying again in 1\.0 s\nposted to Slack after 2 attempts\n$/,
    );
  });

  it('500 twice, then success: backs off and posts once', async () => {
    await queueSlackResponses(tb, { status: 500 }, { status: 500 });
    const r = await runPlugin(env);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(
      (await requests(tb)).map((q) => q.status),
      [500, 500, 200],
    );
    assert.match(
      r.stdout,
      /trying again in 500 ms\n.*trying again in 1\.0 s\nposted to Slack after 3 attempts\n$/,
    );
  });

  it('a permanent 404 fails the step with a clear message, without retrying', async () => {
    await queueSlackResponses(tb, { status: 404, body: 'no_service' });
    const r = await runPlugin(env);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^slack-notify failed: Slack refused the message \(HTTP 404 no_service\): the webhook was removed or disabled: create a new incoming webhook and update the secret$/m,
    );
    assert.equal((await requests(tb)).length, 1);
  });

  it('a permanent 404 with fail_on_error: false only warns, exit 0', async () => {
    await queueSlackResponses(tb, { status: 404, body: 'no_service' });
    const r = await runPlugin({ ...env, PLUGIN_FAIL_ON_ERROR: 'false' });
    assert.equal(r.code, 0, r.output);
    assert.match(r.stderr, /^warning: Slack refused the message \(HTTP 404 no_service\)/m);
    assert.match(r.stderr, /^warning: fail_on_error is false: the step succeeds without the Slack message$/m);
    assert.doesNotMatch(r.output, /slack-notify failed/);
  });

  it('no answer within the timeout: fails, and does not post again (Slack may have posted)', async () => {
    await queueSlackResponses(tb, { delayMs: 4000 });
    const t0 = Date.now();
    const r = await runPlugin({ ...env, PLUGIN_TIMEOUT: '1s' });
    assert.equal(r.code, 1);
    assert.ok(Date.now() - t0 < 3500, `took ${Date.now() - t0} ms with a 1 s timeout`);
    assert.match(
      r.stderr,
      /^slack-notify failed: Slack did not answer within 1\.0 s \(the timeout setting\); the message may have been posted, so it is not sent again$/m,
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await requests(tb)).length, 1);
  });

  it('500 until the timeout: gives up in time with what Slack answered', async () => {
    await queueSlackResponses(tb, ...Array.from({ length: 10 }, () => ({ status: 503 })));
    const r = await runPlugin({ ...env, PLUGIN_TIMEOUT: '2s' });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^slack-notify failed: Slack could not take the message within 2\.0 s \(the timeout setting\): \d+ attempts, the last answered HTTP 503 error$/m,
    );
    assert.equal((await delivered(tb)).length, 0);
  });

  it('a webhook that refuses connections at first: retried until it listens, one message', async () => {
    // A port that nothing listens on yet; once the plugin says it was refused, a relay to the
    // sink opens on it (the retry comes 500 ms later).
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const sink = new URL(tb.slack.webhookUrl);
    const relay = createServer((req, res) => {
      const out = request(
        {
          host: sink.hostname,
          port: sink.port,
          path: sink.pathname,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(out);
    });
    let opened: Promise<void> | undefined;
    const open = (text: string) => {
      if (opened || !text.includes('ECONNREFUSED')) return;
      opened = new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', () => resolve()));
    };
    try {
      const r = await runPlugin(
        { ...env, PLUGIN_WEBHOOK: `http://127.0.0.1:${port}${sink.pathname}` },
        { onStdout: open },
      );
      await opened;
      assert.equal(r.code, 0, r.output);
      assert.match(r.stdout, /Slack answered network error ECONNREFUSED; trying again in 500 ms/);
      assert.equal((await delivered(tb)).length, 1);
    } finally {
      relay.close();
    }
  });
});
