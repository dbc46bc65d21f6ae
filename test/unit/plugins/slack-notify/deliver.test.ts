// The retry policy, with a scripted sender and a fake clock: what is retried, how long it
// waits, and that nothing is sent again once Slack may have posted.
import assert from 'node:assert/strict';
import { HttpError, TimeoutError } from '../../../../common/errors.ts';
import { createLogger, memorySink } from '../../../../common/log.ts';
import { deliver } from '../../../../plugins/slack-notify/deliver.ts';
import type { SendOutcome } from '../../../../plugins/slack-notify/webhook.ts';

function harness(script: SendOutcome[]) {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const timeouts: number[] = [];
  const sink = memorySink();
  const deps = {
    log: createLogger({ sink }),
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    send: async (_url: string, _payload: unknown, timeoutMs: number): Promise<SendOutcome> => {
      timeouts.push(timeoutMs);
      now += 100; // each attempt takes 100 ms
      const next = script.shift();
      assert.ok(next, 'sent more often than the test expected');
      return next;
    },
  };
  return { deps, sleeps, timeouts, sink, left: () => script.length };
}

const URL = 'https://hooks.slack.test/services/T/B/X';

describe('slack-notify delivery', () => {
  it('waits for Retry-After on 429, then posts once', async () => {
    const h = harness([
      { ok: false, status: 429, retryAfter: 3 },
      { ok: true, status: 200 },
    ]);
    assert.deepEqual(await deliver(URL, {}, 30_000, h.deps), { attempts: 2 });
    assert.deepEqual(h.sleeps, [3000]);
    assert.match(h.sink.text(), /Slack answered HTTP 429; trying again in 3\.0 s/);
  });

  it('backs off on 5xx (0.5 s, 1 s, 2 s …) and on errors that never reached Slack', async () => {
    const h = harness([
      { ok: false, status: 500, body: 'error' },
      { ok: false, status: 503 },
      { ok: false, code: 'ECONNREFUSED' },
      { ok: false, code: 'ENOTFOUND' },
      { ok: true, status: 200 },
    ]);
    assert.deepEqual(await deliver(URL, {}, 30_000, h.deps), { attempts: 5 });
    assert.deepEqual(h.sleeps, [500, 1000, 2000, 4000]);
    // Each attempt gets only the time left of the overall timeout.
    assert.deepEqual(h.timeouts, [30_000, 29_400, 28_300, 26_200, 22_100]);
  });

  it('does not send again when Slack did not answer in time, or the connection broke after sending', async () => {
    for (const code of ['TIMEOUT', 'ECONNRESET']) {
      const h = harness([{ ok: false, code }]);
      await assert.rejects(deliver(URL, {}, 30_000, h.deps), (err: Error) => {
        assert.ok(err instanceof TimeoutError);
        assert.match(err.message, /the message may have been posted, so it is not sent again/);
        return true;
      });
      assert.equal(h.left(), 0);
    }
  });

  it('stops at once on a permanent answer, saying what to do', async () => {
    const h = harness([{ ok: false, status: 404, body: 'no_service' }]);
    await assert.rejects(deliver(URL, {}, 30_000, h.deps), (err: Error) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.status, 404);
      assert.equal(
        err.message,
        'Slack refused the message (HTTP 404 no_service): the webhook was removed or disabled: create a new incoming webhook and update the secret',
      );
      return true;
    });
    assert.deepEqual(h.sleeps, []);
  });

  it('gives up within the timeout, never sleeping past it', async () => {
    const h = harness([
      { ok: false, status: 500 },
      { ok: false, status: 500 },
      { ok: false, status: 500 },
    ]);
    await assert.rejects(
      deliver(URL, {}, 2000, h.deps),
      /Slack could not take the message within 2\.0 s \(the timeout setting\): 3 attempts, the last answered HTTP 500/,
    );
    assert.deepEqual(h.sleeps, [500, 1000]);
    const limited = harness([{ ok: false, status: 429, retryAfter: 60 }]);
    await assert.rejects(deliver(URL, {}, 30_000, limited.deps), /Slack asked to wait 1m00s/);
    assert.deepEqual(limited.sleeps, []);
  });

  it('reports an unexpected client error without retrying', async () => {
    const h = harness([{ ok: false, unexpected: 'TypeError: x is not a function' }]);
    await assert.rejects(
      deliver(URL, {}, 30_000, h.deps),
      /could not send the message: TypeError: x is not a function/,
    );
  });
});
