// Secret canaries: the webhook URL is the secret. On success and on every failure path
// (Slack's 404, 429 retries, a timeout, a refused connection, a bad setting, a template
// error), nothing the bundle prints holds it in any encoding, and the message itself never
// carries it (a commit message that quotes it is masked).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertNoLeaks, type Canaries, makeCanaries } from '../../helpers/canary.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import { clearSlack, queueSlackResponses } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import { BUILD_ENV } from '../../unit/plugins/slack-notify/build-env.ts';
import { requests, runPlugin, schema } from './harness.ts';

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('slack-notify e2e: secret canaries', function () {
  this.timeout(120_000);
  let tb: TestbedState;
  let canaries: Canaries;
  let webhook: string;

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await useTestbed();
    // The webhook mode: the token (the app mode's secret, which excludes the webhook) has its
    // canaries in app-secrets.test.ts.
    const all = makeCanaries(schema, { webhook: (c) => `${tb.slack.url}/services/T0CANARY/B0CANARY/${c}` });
    const { PLUGIN_TOKEN: token, ...env } = all.env;
    canaries = { env, secrets: all.secrets.filter((s) => s !== token) };
    webhook = canaries.env.PLUGIN_WEBHOOK as string;
  });

  beforeEach(async () => {
    await clearSlack(tb);
  });

  const base = () => ({ ...BUILD_ENV, ...canaries.env, PLUGIN_DEBUG: 'true' });

  async function assertBodiesClean(): Promise<void> {
    for (const r of await requests(tb)) assertNoLeaks(r.raw, canaries.secrets);
  }

  const paths: [string, () => Promise<Record<string, string>>, number][] = [
    [
      'success, with a commit message quoting the webhook',
      async () => ({ DRONE_COMMIT_MESSAGE: `leaked ${webhook} oops` }),
      0,
    ],
    [
      'success after a 429',
      async () => {
        await queueSlackResponses(tb, { status: 429, retryAfter: 1 });
        return {};
      },
      0,
    ],
    [
      'a permanent 404',
      async () => {
        await queueSlackResponses(tb, { status: 404, body: 'no_service' });
        return {};
      },
      1,
    ],
    [
      'a 404 with fail_on_error false',
      async () => {
        await queueSlackResponses(tb, { status: 404, body: 'no_service' });
        return { PLUGIN_FAIL_ON_ERROR: 'false' };
      },
      0,
    ],
    [
      'no answer within the timeout',
      async () => {
        await queueSlackResponses(tb, { delayMs: 3000 });
        return { PLUGIN_TIMEOUT: '1s' };
      },
      1,
    ],
    [
      'a refused connection until the timeout',
      async () => {
        const port = await closedPort();
        const path = new URL(webhook).pathname;
        // The same secret path on a port nobody listens on: register it as a canary too.
        return { PLUGIN_WEBHOOK: `http://127.0.0.1:${port}${path}`, PLUGIN_TIMEOUT: '2s' };
      },
      1,
    ],
    ['a bad setting next to the secret', async () => ({ PLUGIN_COLOR: 'green' }), 1],
    ['a template that fails', async () => ({ PLUGIN_TEMPLATE: '{{nosuchhelper build.commit}}' }), 1],
  ];

  for (const [name, setUp, code] of paths) {
    it(name, async () => {
      const extra = await setUp();
      const secrets = extra.PLUGIN_WEBHOOK ? [...canaries.secrets, extra.PLUGIN_WEBHOOK] : canaries.secrets;
      const r = await runPlugin({ ...base(), ...extra });
      assert.equal(r.code, code, r.output);
      assertNoLeaks(r.output, secrets);
      await assertBodiesClean();
    });
  }

  it('the masked commit message reaches Slack as ***', async () => {
    const r = await runPlugin({ ...base(), DRONE_COMMIT_MESSAGE: `leaked ${webhook} oops` });
    assert.equal(r.code, 0, r.output);
    const [req] = await requests(tb);
    assert.match(req?.raw ?? '', />leaked \*\*\* oops/);
  });
});
