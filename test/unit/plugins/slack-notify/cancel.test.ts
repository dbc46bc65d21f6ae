// slack-notify cancelled (SIGTERM, SIGINT): no attempt starts and none is retried after the
// signal, the one in flight gets cancel_grace to be answered, and the run ends cancelled
// whatever fail_on_error says. A scripted sender, real timers (the graces are short), and the
// real sender against a local server that never answers.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, sleepUnlessAborted } from '../../../../common/cancel.ts';
import { createLogger, memorySink } from '../../../../common/log.ts';
import { deliver } from '../../../../plugins/slack-notify/deliver.ts';
import { run } from '../../../../plugins/slack-notify/main.ts';
import { GAVE_UP, type SendOutcome, sendWithSlackWebhook } from '../../../../plugins/slack-notify/webhook.ts';
import { BUILD_ENV } from './build-env.ts';

const URL = 'https://hooks.slack.test/services/T/B/X';
const ENV = {
  ...BUILD_ENV,
  PLUGIN_WEBHOOK: URL,
  PLUGIN_DEPLOY_SUMMARY: join(mkdtempSync(join(tmpdir(), 'slack-notify-cancel-')), 'none.json'),
};

/** A sender whose every attempt is `attempt` (handed the signal that gives it up); a signal to cancel the run. */
function harness(attempt: (giveUp: AbortSignal | undefined, n: number) => Promise<SendOutcome>) {
  const stop = new AbortController();
  const sink = memorySink();
  let sent = 0;
  const deps = {
    log: createLogger({ sink }),
    now: Date.now,
    sleep: sleepUnlessAborted,
    signal: stop.signal,
    cancelGraceMs: 200,
    send: (_url: string, _payload: unknown, _timeoutMs: number, giveUp?: AbortSignal) => {
      sent += 1;
      return attempt(giveUp, sent);
    },
  };
  return {
    deps,
    sink,
    sent: () => sent,
    cancel: (sig: 'SIGTERM' | 'SIGINT' = 'SIGTERM') => stop.abort(new CancelledError(sig)),
  };
}

const later = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));

/** Asserts a CancelledError with this signal and a message matching `message`. */
const cancelled = (signal: string, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof CancelledError, String(err));
  assert.equal(err.signal, signal);
  assert.match(err.message, message);
  return true;
};

describe('slack-notify cancelled', () => {
  it('before the first attempt: nothing is sent', async () => {
    const h = harness(async () => ({ ok: true, status: 200 }));
    h.cancel('SIGINT');
    await assert.rejects(
      deliver(URL, {}, 30_000, h.deps),
      cancelled('SIGINT', /^cancelled by SIGINT before posting: the message was not posted$/),
    );
    assert.equal(h.sent(), 0);
  });

  it('an attempt in flight that Slack takes within the grace is delivered, once', async () => {
    const h = harness(() => later(50, { ok: true, status: 200 }));
    const delivery = deliver(URL, {}, 30_000, h.deps);
    setTimeout(() => h.cancel(), 10);
    assert.deepEqual(await delivery, { attempts: 1 });
    assert.match(
      h.sink.text(),
      /waiting up to 200 ms \(cancel_grace\) for Slack to answer the post already sent/,
    );
  });

  it('an answer that would be retried is not, after the signal', async () => {
    const h = harness(() => later(50, { ok: false, status: 500 }));
    const delivery = deliver(URL, {}, 30_000, h.deps);
    setTimeout(() => h.cancel(), 10);
    await assert.rejects(
      delivery,
      cancelled('SIGTERM', /Slack answered HTTP 500 and is not asked again; the message was not posted$/),
    );
    assert.equal(h.sent(), 1);
  });

  it('a signal during the wait between attempts ends the wait, and no attempt follows', async () => {
    const h = harness(async () => ({ ok: false, status: 429, retryAfter: 20 }));
    const t0 = Date.now();
    const delivery = deliver(URL, {}, 60_000, h.deps);
    setTimeout(() => h.cancel(), 50);
    await assert.rejects(delivery, cancelled('SIGTERM', /Slack answered HTTP 429 and is not asked again/));
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    assert.equal(h.sent(), 1);
  });

  it('an attempt still in flight when the grace is over is given up, and says Slack may have posted', async () => {
    const h = harness(
      (giveUp) =>
        new Promise((resolve) =>
          giveUp?.addEventListener('abort', () => resolve({ ok: false, code: GAVE_UP })),
        ),
    );
    const t0 = Date.now();
    const delivery = deliver(URL, {}, 30_000, h.deps);
    setTimeout(() => h.cancel(), 10);
    await assert.rejects(
      delivery,
      cancelled(
        'SIGTERM',
        /^cancelled by SIGTERM: Slack did not answer within cancel_grace \(200 ms\); gave up waiting, and the message may have been posted$/,
      ),
    );
    const took = Date.now() - t0;
    assert.ok(took >= 200 && took < 2000, `took ${took} ms`);
    assert.equal(h.sent(), 1);
  });

  it('run(): a cancelled run ends cancelled, also when posted, also with fail_on_error false', async () => {
    const posted = harness(() => later(50, { ok: true, status: 200 }));
    const running = run(ENV, posted.deps);
    setTimeout(() => posted.cancel(), 10);
    await assert.rejects(
      running,
      cancelled('SIGTERM', /^cancelled by SIGTERM after the message was posted$/),
    );
    assert.match(posted.sink.text(), /posted to Slack/);

    const refused = harness(() => later(50, { ok: false, status: 503 }));
    const lenient = run({ ...ENV, PLUGIN_FAIL_ON_ERROR: 'false', PLUGIN_CANCEL_GRACE: '1s' }, refused.deps);
    setTimeout(() => refused.cancel(), 10);
    await assert.rejects(lenient, cancelled('SIGTERM', /Slack answered HTTP 503 and is not asked again/));
    assert.equal(refused.sent(), 1);
    assert.doesNotMatch(refused.sink.text(), /the step succeeds without the Slack message/);
  });

  it('the real sender ends an attempt at once when it is given up', async () => {
    const server = createServer(() => {
      // never answers
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T/B/X`;
    try {
      const giveUp = new AbortController();
      const t0 = Date.now();
      setTimeout(() => giveUp.abort(), 100);
      assert.deepEqual(await sendWithSlackWebhook(url, { text: 'hi' }, 10_000, giveUp.signal), {
        ok: false,
        code: GAVE_UP,
      });
      assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
      assert.deepEqual(await sendWithSlackWebhook(url, { text: 'hi' }, 10_000, giveUp.signal), {
        ok: false,
        code: GAVE_UP,
      });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
