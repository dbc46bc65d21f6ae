// The built bundle (dist/slack-notify/index.js), run with node as the image runs it.
import assert from 'node:assert/strict';
import { bundle } from '../../../scripts/bundle.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import { clearSlack, queueSlackResponses } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import { BUILD_ENV } from '../../unit/plugins/slack-notify/build-env.ts';
import { loadTemplateCases } from '../../unit/plugins/slack-notify/fixtures.ts';
import { delivered, onlyMessage, requests, runBundle } from './harness.ts';

describe('slack-notify e2e: the bundle as a child process', function () {
  this.timeout(120_000);
  let tb: TestbedState;
  let entry: string;
  let env: Record<string, string>;

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await useTestbed();
    entry = await bundle('slack-notify');
  });

  beforeEach(async () => {
    await clearSlack(tb);
    env = { ...BUILD_ENV, PLUGIN_WEBHOOK: tb.slack.webhookUrl };
  });

  it('posts the default message; stdout says so, stderr is empty', async () => {
    const r = await runBundle(entry, env);
    assert.equal(r.code, 0, r.output);
    assert.equal(r.stdout, 'posting the success message to Slack\nposted to Slack\n');
    assert.equal(r.stderr, '');
    const body = (await onlyMessage(tb)) as { text: string };
    assert.match(body.text, /Succeeded/);
  });

  it('renders a drone-slack template (handlebars loaded on demand in the bundle)', async () => {
    const c = loadTemplateCases()[0];
    assert.ok(c);
    const r = await runBundle(entry, { ...c.env, ...c.settings, PLUGIN_WEBHOOK: tb.slack.webhookUrl });
    assert.equal(r.code, 0, r.output);
    const body = (await onlyMessage(tb)) as { attachments: { text: string }[] };
    assert.equal(body.attachments[0]?.text, c.expected);
  });

  it('retries after a 429 and posts once', async () => {
    await queueSlackResponses(tb, { status: 429, retryAfter: 1 });
    const r = await runBundle(entry, env);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(
      (await requests(tb)).map((q) => q.status),
      [429, 200],
    );
    assert.equal((await delivered(tb)).length, 1);
  });

  it('exits 1 on a permanent 404, the reason on stderr', async () => {
    await queueSlackResponses(tb, { status: 404, body: 'no_service' });
    const r = await runBundle(entry, env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^slack-notify failed: Slack refused the message \(HTTP 404 no_service\)/m);
  });

  it('exits 0 with a warning on a 404 when fail_on_error is false', async () => {
    await queueSlackResponses(tb, { status: 404, body: 'no_service' });
    const r = await runBundle(entry, { ...env, PLUGIN_FAIL_ON_ERROR: 'false' });
    assert.equal(r.code, 0, r.output);
    assert.match(r.stderr, /^warning: Slack refused the message/m);
  });
});
