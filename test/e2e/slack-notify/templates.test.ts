// drone-slack templates through the real plugin: the sink receives the text drone-slack
// would send (fixtures: test/fixtures/slack-notify/drone-slack-templates.yml, each with its
// source), in drone-slack's attachment, with link_names honoured.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useTestbed } from '../../testbed/hooks.ts';
import { clearSlack } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import { loadTemplateCases } from '../../unit/plugins/slack-notify/fixtures.ts';
import { onlyMessage, requests, runPlugin, tempDir } from './harness.ts';

type Body = {
  text?: string;
  channel?: string;
  link_names?: boolean;
  attachments: { text: string; color: string; fallback: string; mrkdwn_in: string[] }[];
};

describe('slack-notify e2e: drone-slack templates at the Slack sink', function () {
  this.timeout(60_000);
  let tb: TestbedState;

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await useTestbed();
  });

  beforeEach(async () => {
    await clearSlack(tb);
  });

  for (const c of loadTemplateCases()) {
    it(`sends what drone-slack sends: ${c.name}`, async () => {
      const r = await runPlugin({ ...c.env, ...c.settings, PLUGIN_WEBHOOK: tb.slack.webhookUrl });
      assert.equal(r.code, 0, r.output);
      const body = (await onlyMessage(tb)) as unknown as Body;
      const attachment = body.attachments[0];
      assert.ok(attachment);
      assert.equal(attachment.text, c.expected, `from ${c.from}`);
      assert.deepEqual(attachment.mrkdwn_in, ['text']);
      if (c.link_names) assert.equal(body.link_names, true, 'link_names is sent (drone-slack drops it)');
      if (c.settings.PLUGIN_CHANNEL) assert.equal(body.channel, `#${c.settings.PLUGIN_CHANNEL}`);
    });
  }

  it("keeps drone-slack's colours and fallback line", async () => {
    const c = loadTemplateCases()[1];
    assert.ok(c);
    await runPlugin({ ...c.env, ...c.settings, PLUGIN_WEBHOOK: tb.slack.webhookUrl });
    const attachment = ((await onlyMessage(tb)) as unknown as Body).attachments[0];
    assert.equal(attachment?.color, 'danger');
    assert.equal(attachment?.fallback, 'failure octocat/hello-world#7fd1a60b (master) by octocat');
  });

  it('reads the template from a file, and puts failure mentions in the top-level text', async () => {
    const file = join(tempDir('template'), 'slack.hbs');
    writeFileSync(file, '{{#failure build.status}}{{repo.name}} broke{{/failure}}\n');
    const r = await runPlugin({
      DRONE_REPO: 'acme/web',
      DRONE_BUILD_STATUS: 'failure',
      PLUGIN_TEMPLATE: file,
      PLUGIN_MENTIONS: 'U012ABCDEF',
      PLUGIN_WEBHOOK: tb.slack.webhookUrl,
    });
    assert.equal(r.code, 0, r.output);
    const body = (await onlyMessage(tb)) as unknown as Body;
    assert.equal(body.attachments[0]?.text, 'web broke');
    assert.equal(body.text, '<@U012ABCDEF>');
  });

  it('a template that fails to render fails the step and posts nothing', async () => {
    const r = await runPlugin({
      PLUGIN_TEMPLATE: '{{sha256sum build.commit}}',
      PLUGIN_WEBHOOK: tb.slack.webhookUrl,
    });
    assert.equal(r.code, 1);
    assert.match(r.output, /^slack-notify failed: template: Missing helper: "sha256sum"/m);
    assert.equal((await requests(tb)).length, 0);
  });
});
