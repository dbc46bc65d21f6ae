// The default message as the Slack sink receives it from the bundle: statuses, deploy and
// rollback summaries, notify_on, an oversize commit message and unicode.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { versionLine } from '../../../common/help.ts';
import { DEFAULT_SUMMARY_FILE, writeSummary } from '../../../common/summary.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import { clearSlack } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import { BUILD_ENV, summary } from '../../unit/plugins/slack-notify/build-env.ts';
import { assertWithinSlackLimits } from '../../unit/plugins/slack-notify/slack-limits.ts';
import { delivered, onlyMessage, runPlugin, tempDir } from './harness.ts';

type Body = {
  text: string;
  attachments: { color: string; fallback: string; blocks: unknown[] }[];
  channel?: string;
  username?: string;
  icon_emoji?: string;
  link_names?: boolean;
  unfurl_links?: boolean;
};

describe('slack-notify e2e: default messages at the Slack sink', function () {
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

  async function post(
    extra: Record<string, string>,
  ): Promise<{ body: Body; all: string; stdout: string; stderr: string }> {
    const r = await runPlugin({ ...env, ...extra });
    assert.equal(r.code, 0, r.output);
    const body = (await onlyMessage(tb)) as unknown as Body;
    assertWithinSlackLimits(body);
    return { body, all: JSON.stringify(body), stdout: r.stdout, stderr: r.stderr };
  }

  it('success: the headline, the details in a green attachment, and what it logged', async () => {
    const { body, stdout, stderr } = await post({});
    assert.match(
      body.text,
      /^:white_check_mark: \*Succeeded\*: <https:\/\/git\.example\.com\/acme\/web\|acme\/web> /,
    );
    assert.equal(body.attachments[0]?.color, '#2eb886');
    assert.equal(body.unfurl_links, false);
    assert.equal(body.channel, undefined);
    // No summary in the workspace and none asked for: nothing said about it.
    // The version line first (common/entry.ts), then what the plugin did.
    assert.equal(
      stdout,
      `${versionLine('slack-notify')}\nposting the success message to Slack\nposted to Slack\n`,
    );
    assert.equal(stderr, '');
  });

  it('failure with failed steps (parallel pipeline: DRONE_BUILD_STATUS still success), mentions notify', async () => {
    const { body, all } = await post({
      DRONE_FAILED_STEPS: 'unit-tests,integration-tests',
      PLUGIN_MENTIONS: 'U012ABCDEF,@here',
    });
    assert.match(body.text, /^<@U012ABCDEF> <!here> :x: \*Failed\*/);
    assert.equal(body.attachments[0]?.color, '#a30200');
    assert.match(all, /\*Failed steps\*\\n`unit-tests`, `integration-tests`/);
  });

  it('an @name mention turns link_names on, so that Slack links it', async () => {
    const { body } = await post({ DRONE_BUILD_STATUS: 'failure', PLUGIN_MENTIONS: '@oncall' });
    assert.match(body.text, /^@oncall :x: /);
    assert.equal(body.link_names, true);
  });

  it('mentions only on failure', async () => {
    const { body } = await post({ PLUGIN_MENTIONS: 'U012ABCDEF' });
    assert.doesNotMatch(body.text, /U012ABCDEF/);
  });

  it('fixed: success after a failed build', async () => {
    const { body } = await post({ DRONE_PREV_BUILD_STATUS: 'failure' });
    assert.match(body.text, /^:tada: \*Fixed\*/);
    assert.equal(body.attachments[0]?.color, '#1d9bd1');
  });

  it('a deploy summary adds clusters, image, result and the rollback command', async () => {
    const file = join(tempDir('summary'), 'deploy.json');
    writeSummary(file, summary());
    const { body, all } = await post({ PLUGIN_DEPLOY_SUMMARY: file });
    assert.match(body.text, / · deployed to 2 clusters$/);
    assert.match(all, /:rocket: \*Deployed\*/);
    assert.match(all, /`web=gcr\.io\/acme\/web:7fd1a60b`/);
    assert.match(all, /• `asia-northeast1\/prod-1 \(web\)` deployed/);
    assert.match(all, /```docker run --rm -e PLUGIN_REVISION=41 acme\/rollback```/);
  });

  it('a rollback summary (the rollback plugin) says it rolled back', async () => {
    const file = join(tempDir('summary'), 'rollback.json');
    writeSummary(file, summary({ plugin: 'rollback', result: 'rolled_back' }));
    const { body, all } = await post({ PLUGIN_DEPLOY_SUMMARY: file });
    assert.match(body.text, / · rolled back 2 clusters$/);
    assert.match(all, /:rewind: \*Rolled back\* by the rollback plugin/);
  });

  it('reads the summary from its default path in the workspace', async () => {
    const workspace = tempDir('workspace');
    writeSummary(join(workspace, DEFAULT_SUMMARY_FILE), summary({ result: 'failed' }));
    const r = await runPlugin(env, { cwd: workspace });
    assert.equal(r.code, 0, r.output);
    const body = (await onlyMessage(tb)) as unknown as Body;
    assert.match(body.text, / · deploy failed$/);
  });

  it('a summary named in the settings but not written: says so, posts without deploy details', async () => {
    const file = join(tempDir('summary'), 'none.json');
    const { all, stdout } = await post({ PLUGIN_DEPLOY_SUMMARY: file });
    const line = `no deploy summary at ${file}: the message has no deploy details`;
    assert.ok(stdout.split('\n').includes(line), stdout);
    assert.doesNotMatch(all, /Deployed|Rolled back/);
  });

  it('a file that is not a summary: warns, and still posts without deploy details', async () => {
    const file = join(tempDir('summary'), 'broken.json');
    writeFileSync(file, '{"not": "a summary"}');
    const { all, stderr } = await post({ PLUGIN_DEPLOY_SUMMARY: file });
    assert.match(
      stderr,
      /^warning: .*broken\.json is not a deploy summary of version 1: the message goes out without deploy details$/m,
    );
    assert.doesNotMatch(all, /Deployed|Rolled back/);
  });

  it('notify_on filters: nothing is posted when the status is not wanted', async () => {
    const r = await runPlugin({ ...env, PLUGIN_NOTIFY_ON: 'failure' });
    assert.equal(r.code, 0, r.output);
    assert.equal(
      r.stdout,
      `${versionLine('slack-notify')}\nnot posting to Slack: the build's status is success and notify_on is failure\n`,
    );
    assert.deepEqual(await delivered(tb), []);
    const fixed = await runPlugin({
      ...env,
      PLUGIN_NOTIFY_ON: 'failure,fixed',
      DRONE_PREV_BUILD_STATUS: 'failure',
    });
    assert.equal(fixed.code, 0, fixed.output);
    assert.equal((await delivered(tb)).length, 1);
  });

  it('an oversize commit message is cut to fit, in one message', async () => {
    // 108 KB: one environment variable holds at most 128 KiB on Linux (execve's limit, which
    // a plugin container's process meets too).
    const { all } = await post({
      DRONE_COMMIT_MESSAGE: `${'a very long <title> & more '.repeat(4_000)}\n\nbody`,
    });
    assert.match(all, /&lt;title&gt; &amp; more …"/);
    assert.ok(all.length < 10_000, `${all.length} characters`);
  });

  it('unicode arrives intact', async () => {
    const title = '修正: デプロイ 🚀 naïve café שלום 👩🏽‍💻';
    const { all } = await post({ DRONE_COMMIT_MESSAGE: title, DRONE_COMMIT_AUTHOR_NAME: 'Zoë 山田' });
    const parsed = JSON.parse(all) as Body;
    assert.ok(JSON.stringify(parsed.attachments).includes(`>${title}`));
    assert.ok(all.includes('Zoë 山田 (octocat)'));
  });

  it('debug prints the message sent', async () => {
    const { body, stdout } = await post({ PLUGIN_DEBUG: 'true' });
    const line = stdout.split('\n').find((l) => l.startsWith('debug: message: '));
    assert.ok(line, stdout);
    assert.deepEqual(JSON.parse(line.slice('debug: message: '.length)), body);
  });

  it('channel, username, icon and link_names reach the payload', async () => {
    const { body } = await post({
      PLUGIN_CHANNEL: 'deploys',
      PLUGIN_USERNAME: 'Drone',
      PLUGIN_ICON_EMOJI: ':rocket:',
      PLUGIN_LINK_NAMES: 'true',
      PLUGIN_COLOR: '#123456',
    });
    assert.equal(body.channel, '#deploys');
    assert.equal(body.username, 'Drone');
    assert.equal(body.icon_emoji, ':rocket:');
    assert.equal(body.link_names, true);
    assert.equal(body.attachments[0]?.color, '#123456');
  });
});
