// Secret canaries in the app mode: the token is the secret. On success (start and finish, with
// a commit message quoting the token) and on every failure path (Slack refusing the token, a
// channel the app is not in, a rate limit, no answer in time, bad settings next to it), nothing
// the bundle prints holds it in any encoding, and no body sent to Slack carries it: only the
// Authorization header does.
import assert from 'node:assert/strict';
import { assertNoLeaks, makeCanaries } from '../../helpers/canary.ts';
import {
  clearSlackAt,
  queueSlackResponsesAt,
  setSlackRateLimits,
  setSlackWorkspace,
  slackRequestsAt,
} from '../../testbed/servers/client.ts';
import { type AppBed, startAppBed } from './app-harness.ts';
import { schema } from './harness.ts';

describe('slack-notify e2e: the app token is a canary secret', function () {
  this.timeout(60_000);
  let bed: AppBed;
  let token: string;

  before(async function () {
    this.timeout(120_000);
    bed = await startAppBed();
    token = makeCanaries(schema, { token: (c) => `xoxb-${c}` }).env.PLUGIN_TOKEN as string;
  });
  after(async () => bed?.sink.close());
  beforeEach(async () => clearSlackAt(bed.sink));

  const env = (extra: Record<string, string> = {}) =>
    bed.env({ PLUGIN_TOKEN: token, PLUGIN_DEBUG: 'true', PLUGIN_THREAD: 'true', ...extra });

  async function assertBodiesClean(): Promise<void> {
    const calls = await slackRequestsAt(bed.sink);
    for (const c of calls) {
      assertNoLeaks(c.raw, [token]);
      assertNoLeaks(JSON.stringify(c.answer ?? null), [token]);
    }
  }

  const paths: [string, () => Promise<Record<string, string>>, number][] = [
    [
      'success, with a commit message quoting the token',
      async () => ({ DRONE_COMMIT_MESSAGE: `oops ${token}` }),
      0,
    ],
    [
      'Slack refuses the token (invalid_auth)',
      async () => {
        await setSlackWorkspace(bed.sink, { tokens: ['xoxb-1-2-anotherapp'] });
        return {};
      },
      1,
    ],
    ['a channel the app is not in', async () => ({ PLUGIN_CHANNEL: 'general' }), 1],
    [
      'a rate limit waited out',
      async () => {
        await setSlackRateLimits(bed.sink, { method: 'chat.postMessage', retryAfter: 1 });
        return {};
      },
      0,
    ],
    [
      'no answer within the timeout',
      async () => {
        // Slow answers for the start step's post and the finish step's.
        const slow = { path: '/api/chat.postMessage', delayMs: 3000 };
        await queueSlackResponsesAt(bed.sink, slow, slow);
        return { PLUGIN_TIMEOUT: '1s' };
      },
      1,
    ],
    ['a bad setting next to the token', async () => ({ PLUGIN_COLOR: 'green' }), 1],
    ['the token and a webhook together', async () => ({ PLUGIN_WEBHOOK: 'https://hooks.slack.com/x' }), 1],
  ];

  for (const [name, setUp, code] of paths) {
    it(name, async () => {
      const ws = bed.workspace();
      const extra = await setUp();
      const start = await bed.run(env({ ...extra, PLUGIN_PHASE: 'start' }), ws);
      assertNoLeaks(start.output, [token]);
      const r = await bed.run(
        env({ ...extra, DRONE_BUILD_STATUS: 'failure', PLUGIN_MENTION_AUTHOR: 'true' }),
        ws,
      );
      assert.equal(r.code, code, r.output);
      assertNoLeaks(r.output, [token]);
      await assertBodiesClean();
    });
  }

  it('the token goes only in the Authorization header, and the quoted one reaches Slack as ***', async () => {
    const r = await bed.run(env({ DRONE_COMMIT_MESSAGE: `oops ${token}` }), bed.workspace());
    assert.equal(r.code, 0, r.output);
    const [call] = await slackRequestsAt(bed.sink);
    assert.equal(call?.headers.authorization, `Bearer ${token}`);
    assert.match(call?.raw ?? '', />oops \*\*\*/);
  });
});
