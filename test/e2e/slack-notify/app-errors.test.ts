// The app mode's errors through the bundle: each Web API error Slack answers gives its message
// (what went wrong and how to fix it) and fails the step, or only warns with fail_on_error:
// false; settings that do not go together are refused before anything is sent.
import assert from 'node:assert/strict';
import type { SlackSinkRef } from '../../testbed/servers/client.ts';
import {
  clearSlackAt,
  queueSlackApiErrors,
  setSlackRateLimits,
  setSlackWorkspace,
  slackApiMessages,
  slackRequestsAt,
} from '../../testbed/servers/client.ts';
import { type AppBed, startAppBed } from './app-harness.ts';

type Case = [name: string, setUp: (sink: SlackSinkRef) => Promise<Record<string, string>>, message: RegExp];

const CASES: Case[] = [
  [
    'invalid_auth',
    async (sink) => {
      await setSlackWorkspace(sink, { tokens: ['xoxb-1-2-anotherapp'] });
      return {};
    },
    /Slack refused chat\.postMessage \(invalid_auth\): the token is not valid: give the app's Bot User OAuth Token \(xoxb-…\) of an installed app, and update the secret/,
  ],
  [
    'not_in_channel',
    async () => ({ PLUGIN_CHANNEL: 'general' }),
    /Slack refused chat\.postMessage \(not_in_channel\): the app is not a member of #general: invite the app to #general/,
  ],
  [
    'channel_not_found',
    async () => ({ PLUGIN_CHANNEL: '#nosuchchannel' }),
    /Slack refused chat\.postMessage \(channel_not_found\): Slack knows no channel #nosuchchannel that the app can see: check the channel setting/,
  ],
  [
    'missing_scope',
    async (sink) => {
      await setSlackWorkspace(sink, { scopes: ['users:read'] });
      return {};
    },
    /Slack refused chat\.postMessage \(missing_scope\): the app lacks the scope chat:write: add it under OAuth & Permissions, reinstall the app/,
  ],
  [
    'msg_too_long',
    async (sink) => {
      await queueSlackApiErrors(sink, { method: 'chat.postMessage', error: 'msg_too_long' });
      return {};
    },
    /Slack refused chat\.postMessage \(msg_too_long\): Slack found the message too long, though it was fitted to the limits/,
  ],
  [
    'ratelimited twice',
    async (sink) => {
      await setSlackRateLimits(sink, { method: 'chat.postMessage', times: 2, retryAfter: 1 });
      return {};
    },
    /Slack refused chat\.postMessage \(ratelimited\): Slack rate-limited the app again after the wait it asked for \(Retry-After 1\.0 s\)/,
  ],
];

describe('slack-notify e2e: app mode errors', function () {
  this.timeout(60_000);
  let bed: AppBed;

  before(async function () {
    this.timeout(120_000);
    bed = await startAppBed();
  });
  after(async () => bed?.sink.close());
  beforeEach(async () => clearSlackAt(bed.sink));

  for (const [name, setUp, message] of CASES) {
    it(`${name}: says how to fix it, exit 1`, async () => {
      const r = await bed.run(bed.env(await setUp(bed.sink)), bed.workspace());
      assert.equal(r.code, 1, r.output);
      const line = r.stderr.split('\n').find((l) => l.startsWith('slack-notify failed: '));
      assert.match(line ?? r.stderr, message);
      assert.equal((await slackApiMessages(bed.sink)).length, 0);
    });

    it(`${name} with fail_on_error false: a warning, exit 0`, async () => {
      const extra = await setUp(bed.sink);
      const r = await bed.run(bed.env({ ...extra, PLUGIN_FAIL_ON_ERROR: 'false' }), bed.workspace());
      assert.equal(r.code, 0, r.output);
      assert.match(r.stderr, message);
      assert.match(
        r.stderr,
        /^warning: fail_on_error is false: the step succeeds without the Slack message$/m,
      );
    });
  }

  it('mention_author without users:read.email: a warning naming the scope, the message still goes out', async () => {
    await setSlackWorkspace(bed.sink, { scopes: ['chat:write'] });
    const env = bed.env({ DRONE_BUILD_STATUS: 'failure', PLUGIN_MENTION_AUTHOR: 'true' });
    const r = await bed.run(env, bed.workspace());
    assert.equal(r.code, 0, r.output);
    assert.match(r.stderr, /mention_author: .*missing_scope.*users:read\.email.*naming the author instead/);
    const [message] = await slackApiMessages(bed.sink);
    assert.match(String(message?.text), /^The Octocat :x:/);
  });

  const refused: [string, Record<string, string>, RegExp][] = [
    [
      'token and webhook together',
      { PLUGIN_WEBHOOK: 'https://hooks.slack.com/services/T0/B0/x' },
      /setting "token" \(PLUGIN_TOKEN\): set either token \(the Slack app\) or webhook \(an incoming webhook\), not both/,
    ],
    [
      'token without a channel',
      { PLUGIN_CHANNEL: '' },
      /setting "channel" \(PLUGIN_CHANNEL\): is required with token/,
    ],
    [
      'an api_url that is not https',
      { PLUGIN_API_URL: 'http://slack.example.com/api/' },
      /setting "api_url" \(PLUGIN_API_URL\): expected an https:\/\/ URL/,
    ],
  ];
  for (const [name, extra, message] of refused) {
    it(`refuses ${name} before sending anything`, async () => {
      const env = Object.fromEntries(Object.entries(bed.env(extra)).filter(([, v]) => v !== ''));
      const r = await bed.run(env, bed.workspace());
      assert.equal(r.code, 1, r.output);
      assert.match(r.stderr, message);
      assert.deepEqual(await slackRequestsAt(bed.sink), []);
    });
  }

  it('refuses thread and phase: start with a webhook, which can only post', async () => {
    const r = await bed.run(
      { PLUGIN_WEBHOOK: `${bed.sink.url}/services/T0/B0/x`, PLUGIN_THREAD: 'true', PLUGIN_PHASE: 'start' },
      bed.workspace(),
    );
    assert.equal(r.code, 1, r.output);
    assert.match(r.stderr, /setting "phase" \(PLUGIN_PHASE\): phase: start needs token/);
    assert.match(r.stderr, /setting "thread" \(PLUGIN_THREAD\): thread needs token/);
  });
});
