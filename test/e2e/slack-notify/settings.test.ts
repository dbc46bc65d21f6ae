// For each setting, a bad value: exit 1, a message naming the setting and its variable, and
// nothing posted. The list must cover every setting of the schema.
import assert from 'node:assert/strict';
import { useTestbed } from '../../testbed/hooks.ts';
import { clearSlack } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import { BUILD_ENV } from '../../unit/plugins/slack-notify/build-env.ts';
import { requests, runPlugin, schema, tempDir } from './harness.ts';

/** Bad values per setting, and what the message says about each. */
const BAD: Record<string, [string, RegExp][]> = {
  webhook: [
    ['not a url', /expected a Slack incoming-webhook URL/],
    [
      'http://hooks.example.com/services/T/B/X',
      /expected an https:\/\/ URL \(http:\/\/ only for a local address/,
    ],
  ],
  channel: [['two words', /expected a channel such as #deploys, got "two words"/]],
  username: [['x'.repeat(81), /expected one line of at most 80 characters/]],
  icon_url: [
    ['not a url', /expected an https:\/\/ URL, got "not a url"/],
    ['mailto:someone@example.com', /expected an https:\/\/ URL/],
  ],
  icon_emoji: [['rocket', /expected an emoji such as :rocket:, got "rocket"/]],
  template: [
    ['.drone/missing.hbs', /the template file ".drone\/missing.hbs" does not exist/],
    ['{{#success build.status}}no end', /does not parse: Parse error/],
    ['https://example.com/slack.hbs', /remote templates are not supported/],
  ],
  color: [['green', /expected a hex colour such as #36a64f, or good, warning or danger, got "green"/]],
  link_names: [['perhaps', /expected true or false, got "perhaps"/]],
  mentions: [
    ['@oncall,john doe', /item 2: expected a user or group ID \(U…, S…\), <!here>, <!channel>, or an @name/],
  ],
  notify_on: [
    ['sometimes', /expected one of: success, failure, fixed, always/],
    [',', /must NOT have fewer than 1 items|fewer than 1/],
  ],
  deploy_summary: [
    ['@FOLDER@', /is a folder; give the path of the summary file/],
    ['https://example.com/summary.json', /expected a file path in the workspace/],
  ],
  fail_on_error: [['perhaps', /expected true or false, got "perhaps"/]],
  debug: [['yes', /expected true or false, got "yes"/]],
  timeout: [
    ['later', /expected a duration such as 30s or 2m, got "later"/],
    ['0s', /must be between 1s and 15m, got "0s"/],
  ],
  cancel_grace: [['soon', /expected a duration such as 5s, got "soon"/]],
  // The app mode's settings (#16), given next to the webhook.
  token: [['not-a-token', /expected a Slack app's bot token \(xoxb-\.\.\.\)/]],
  api_url: [
    ['not a url', /expected the base URL of Slack's Web API/],
    ['http://slack.example.com/api/', /expected an https:\/\/ URL \(http:\/\/ only for a local address/],
  ],
  phase: [
    ['later', /expected one of: start, finish/],
    ['start', /phase: start needs token \(a Slack app\)/],
  ],
  thread: [
    ['perhaps', /expected true or false, got "perhaps"/],
    ['true', /thread needs token \(a Slack app\)/],
  ],
  mention_author: [['true', /mention_author needs token \(a Slack app\)/]],
  message_file: [['https://example.com/m.json', /expected a file path in the workspace/]],
};

describe('slack-notify e2e: a bad value for each setting', function () {
  this.timeout(60_000);
  let tb: TestbedState;

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await useTestbed();
    await clearSlack(tb);
  });

  it('covers every setting of the schema', () => {
    assert.deepEqual(Object.keys(BAD).sort(), Object.keys(schema.properties).sort());
  });

  for (const [setting, cases] of Object.entries(BAD)) {
    const variable = `PLUGIN_${setting.toUpperCase()}`;
    for (const [value, problem] of cases) {
      const shown = value.length > 40 ? `${value.slice(0, 20)}…` : value;
      it(`${setting}: ${JSON.stringify(shown)} -> exit 1, naming the setting, nothing posted`, async () => {
        const given = value === '@FOLDER@' ? tempDir('folder') : value;
        const env: Record<string, string> = {
          ...BUILD_ENV,
          PLUGIN_WEBHOOK: tb.slack.webhookUrl,
          [variable]: given,
        };
        const r = await runPlugin(env);
        assert.equal(r.code, 1, r.output);
        assert.match(r.output, /^slack-notify failed: invalid setting/m);
        const line = r.output.split('\n').find((l) => l.includes(`setting "${setting}" (${variable})`));
        assert.ok(line, `no line names setting "${setting}" (${variable}):\n${r.output}`);
        assert.match(line, problem);
        assert.deepEqual(await requests(tb), []);
      });
    }
  }

  it('SLACK_WEBHOOK is read when PLUGIN_WEBHOOK is not set, and named in its error', async () => {
    const r = await runPlugin({ SLACK_WEBHOOK: 'nope' });
    assert.equal(r.code, 1);
    assert.match(r.output, /setting "webhook" \(SLACK_WEBHOOK\): expected a Slack incoming-webhook URL/);
  });

  it('a missing webhook says how to set it', async () => {
    const r = await runPlugin({});
    assert.equal(r.code, 1);
    assert.match(r.output, /setting "webhook" \(PLUGIN_WEBHOOK or SLACK_WEBHOOK\): is required/);
  });
});
