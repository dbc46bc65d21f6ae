// The app mode's run() with a scripted Web API, a clock and a sleep that do not wait: which
// methods are called in which order with what, the message file between start and finish,
// one retry after ratelimited, and no new post after a failed chat.update. The e2e tests run
// the same code with the real fetch against the Slack sink.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, memorySink } from '../../../../common/log.ts';
import { SlackApiError } from '../../../../plugins/slack-notify/api-errors.ts';
import { run } from '../../../../plugins/slack-notify/main.ts';
import { readMessageRef } from '../../../../plugins/slack-notify/message-ref.ts';
import type { ApiOutcome, ApiRequest } from '../../../../plugins/slack-notify/webapi.ts';
import { BUILD_ENV } from './build-env.ts';

const TOKEN = 'xoxb-1-2-unittokensecret';

function setUp(script: ApiOutcome[]) {
  const dir = mkdtempSync(join(tmpdir(), 'slack-notify-app-'));
  const sink = memorySink();
  const calls: ApiRequest[] = [];
  const slept: number[] = [];
  let now = Date.UTC(2026, 0, 5, 10, 3, 12);
  const env = {
    ...BUILD_ENV,
    PLUGIN_TOKEN: TOKEN,
    PLUGIN_CHANNEL: 'deploys',
    PLUGIN_MESSAGE_FILE: join(dir, 'message.json'),
    PLUGIN_DEPLOY_SUMMARY: join(dir, 'none.json'),
  };
  const deps = {
    log: createLogger({ sink }),
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
    callApi: async (req: ApiRequest): Promise<ApiOutcome> => {
      calls.push(req);
      return (
        script.shift() ?? { ok: true, data: { ok: true, channel: 'C0DEPLOYS1', ts: '1767607392.000100' } }
      );
    },
  };
  return { dir, env, deps, calls, slept, sink };
}

describe('slack-notify app mode, run() with a scripted Web API', () => {
  it('start posts and remembers; finish updates that message with the token as a bearer', async () => {
    const h = setUp([]);
    await run({ ...h.env, PLUGIN_PHASE: 'start' }, h.deps);
    assert.deepEqual(readMessageRef(h.env.PLUGIN_MESSAGE_FILE, 42), {
      found: true,
      ref: { channel: 'C0DEPLOYS1', ts: '1767607392.000100', build: 42 },
    });
    await run(h.env, h.deps);
    assert.deepEqual(
      h.calls.map((c) => [c.method, c.args.channel, c.token, c.apiUrl]),
      [
        ['chat.postMessage', '#deploys', TOKEN, 'https://slack.com/api/'],
        ['chat.update', 'C0DEPLOYS1', TOKEN, 'https://slack.com/api/'],
      ],
    );
    assert.equal(h.calls[1]?.args.ts, '1767607392.000100');
    assert.doesNotMatch(h.sink.text(), /unittokensecret/);
  });

  it('ratelimited: one wait of Retry-After, one retry', async () => {
    const h = setUp([{ ok: false, error: 'ratelimited', status: 429, retryAfter: 2 }]);
    await run(h.env, h.deps);
    assert.deepEqual(h.slept, [2000]);
    assert.equal(h.calls.length, 2);
  });

  it('a failed chat.update is reported, and nothing else is posted', async () => {
    const h = setUp([{ ok: false, error: 'cant_update_message' }]);
    writeFileSync(h.env.PLUGIN_MESSAGE_FILE, '{"channel":"C0DEPLOYS1","ts":"1.000002","build":42}');
    await assert.rejects(run({ ...h.env, PLUGIN_THREAD: 'true' }, h.deps), (err: Error) => {
      assert.ok(err instanceof SlackApiError);
      assert.match(err.message, /cant_update_message.*not posting a new message instead/);
      return true;
    });
    assert.deepEqual(
      h.calls.map((c) => c.method),
      ['chat.update'],
    );
    assert.match(readFileSync(h.env.PLUGIN_MESSAGE_FILE, 'utf8'), /1\.000002/);
  });

  it('notify_on does not leave a start message saying "Deploying…" forever', async () => {
    const h = setUp([]);
    writeFileSync(h.env.PLUGIN_MESSAGE_FILE, '{"channel":"C0DEPLOYS1","ts":"1.000002","build":42}');
    await run({ ...h.env, PLUGIN_NOTIFY_ON: 'failure' }, h.deps);
    assert.deepEqual(
      h.calls.map((c) => c.method),
      ['chat.update'],
    );
    const fresh = setUp([]);
    await run({ ...fresh.env, PLUGIN_NOTIFY_ON: 'failure' }, fresh.deps);
    assert.deepEqual(fresh.calls, []);
  });
});

describe('slack-notify message file', () => {
  it('says why a file is not a message to update', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slack-notify-ref-'));
    const file = join(dir, 'm.json');
    assert.deepEqual(readMessageRef(file, 1), { found: false, why: `no ${file} (no start message)` });
    writeFileSync(file, 'not json');
    assert.deepEqual(readMessageRef(file, 1), { found: false, why: `${file} is not JSON` });
    writeFileSync(file, '{"channel":"#deploys","ts":"1.2"}');
    assert.deepEqual(readMessageRef(file, 1), {
      found: false,
      why: `${file} does not hold a message reference`,
    });
  });
});
