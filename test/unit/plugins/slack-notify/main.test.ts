// run() with its dependencies replaced: a scripted sender, a clock and a sleep that do not
// wait. The e2e tests run the same code with the real sender against the Slack sink.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingsError } from '../../../../common/errors.ts';
import { createLogger, memorySink } from '../../../../common/log.ts';
import { run } from '../../../../plugins/slack-notify/main.ts';
import type { SlackPayload } from '../../../../plugins/slack-notify/payload.ts';
import type { SendOutcome } from '../../../../plugins/slack-notify/webhook.ts';
import { BUILD_ENV } from './build-env.ts';

const WEBHOOK = 'https://hooks.slack.test/services/T000/B000/unitwebhooksecret';

// Not the working folder's .drone-gke-deploy.json, which another test may have left there.
const NO_SUMMARY = join(mkdtempSync(join(tmpdir(), 'slack-notify-main-')), 'none.json');
const ENV = { ...BUILD_ENV, PLUGIN_DEPLOY_SUMMARY: NO_SUMMARY };

function deps(script: SendOutcome[]) {
  const sink = memorySink();
  const sent: { url: string; payload: SlackPayload }[] = [];
  const slept: number[] = [];
  let now = Date.UTC(2026, 0, 5, 10, 3, 12);
  return {
    sink,
    sent,
    slept,
    deps: {
      log: createLogger({ sink }),
      now: () => now,
      sleep: async (ms: number) => {
        slept.push(ms);
        now += ms;
      },
      send: async (url: string, payload: SlackPayload) => {
        sent.push({ url, payload });
        return script.shift() ?? { ok: true as const, status: 200 };
      },
    },
  };
}

describe('slack-notify run() with injected dependencies', () => {
  it('posts one message to the webhook, retrying after a 429 with the injected sleep', async () => {
    const h = deps([{ ok: false, status: 429, retryAfter: 2 }]);
    await run({ ...ENV, PLUGIN_WEBHOOK: WEBHOOK }, h.deps);
    assert.equal(h.sent.length, 2);
    assert.equal(h.sent[0]?.url, WEBHOOK);
    assert.deepEqual(h.sent[0]?.payload, h.sent[1]?.payload);
    assert.deepEqual(h.slept, [2000]);
    assert.match(h.sent[0]?.payload.text ?? '', /Succeeded/);
    assert.doesNotMatch(h.sink.text(), /unitwebhooksecret/);
  });

  it('takes a webhook secret with a trailing newline (drone secret add --data @file), posting to the URL without it', async () => {
    const h = deps([]);
    await run({ ...ENV, PLUGIN_WEBHOOK: `${WEBHOOK}\n` }, h.deps);
    assert.equal(h.sent.length, 1);
    assert.equal(h.sent[0]?.url, WEBHOOK);
    assert.doesNotMatch(h.sink.text(), /unitwebhooksecret/);
  });

  it('sends nothing when notify_on does not want the status', async () => {
    const h = deps([]);
    await run({ ...ENV, PLUGIN_WEBHOOK: WEBHOOK, PLUGIN_NOTIFY_ON: 'failure' }, h.deps);
    assert.equal(h.sent.length, 0);
  });

  it('renders a template into drone-slack attachment', async () => {
    const h = deps([]);
    await run(
      { ...ENV, PLUGIN_WEBHOOK: WEBHOOK, PLUGIN_TEMPLATE: '{{repo.name}} #{{build.number}}' },
      h.deps,
    );
    assert.deepEqual(h.sent[0]?.payload.attachments, [
      {
        color: 'good',
        fallback: 'success acme/web#7fd1a60b (main) by octocat',
        text: 'web #42',
        mrkdwn_in: ['text'],
      },
    ]);
  });

  it('posts nothing when the template renders no text', async () => {
    const h = deps([]);
    await run(
      {
        ...BUILD_ENV,
        PLUGIN_WEBHOOK: WEBHOOK,
        PLUGIN_TEMPLATE: '{{#failure build.status}}broken{{/failure}}\n',
      },
      h.deps,
    );
    assert.equal(h.sent.length, 0);
    assert.match(h.sink.text(), /^not posting to Slack: the template rendered no text for this build$/m);
  });

  it('throws a SettingsError naming the setting before sending', async () => {
    const h = deps([]);
    await assert.rejects(run({ PLUGIN_WEBHOOK: WEBHOOK, PLUGIN_COLOR: 'green' }, h.deps), (err: Error) => {
      assert.ok(err instanceof SettingsError);
      assert.equal(err.issues[0]?.setting, 'color');
      return true;
    });
    assert.equal(h.sent.length, 0);
  });

  it('reports the checks beyond the schema with its errors, at once', async () => {
    const h = deps([]);
    const env = {
      PLUGIN_WEBHOOK: 'ftp://hooks.slack.test/x',
      PLUGIN_ICON_URL: 'ftp://x/y.png',
      PLUGIN_COLOR: 'green',
    };
    await assert.rejects(run(env, h.deps), (err: Error) => {
      assert.ok(err instanceof SettingsError);
      assert.deepEqual(
        err.issues.map((i) => i.setting),
        ['color', 'webhook', 'icon_url'],
      );
      return true;
    });
    // A webhook missing altogether is one problem, not a crash of the checks.
    await assert.rejects(run({ PLUGIN_COLOR: 'green' }, h.deps), (err: Error) => {
      assert.ok(err instanceof SettingsError);
      assert.deepEqual(err.issues.map((i) => i.setting).sort(), ['color', 'webhook']);
      return true;
    });
    assert.equal(h.sent.length, 0);
  });

  it('with fail_on_error false, a refused message is a warning, not an error', async () => {
    const h = deps([{ ok: false, status: 403, body: 'action_prohibited' }]);
    await run({ ...ENV, PLUGIN_WEBHOOK: WEBHOOK, PLUGIN_FAIL_ON_ERROR: 'false' }, h.deps);
    assert.match(
      h.sink.text(),
      /^warning: Slack refused the message \(HTTP 403 action_prohibited\): the workspace does not allow this webhook to post there$/m,
    );
  });
});
