// slack-notify cancelled as runners cancel it (SIGTERM; SIGINT for Ctrl-C; a second signal)
// while its post is on its way, through the bundle in a child process. Slack is the
// testbed's sink, started here on its own port: the shared one is cleared, and its queued
// answers taken, by other test runs at any time, and these tests queue slow answers of their
// own. Each test posts to a path of its own and counts only the posts to that path: one or
// none, never two.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateBundle } from '../../helpers/bundle.ts';
import { type Running, startBundle } from '../../helpers/bundle-process.ts';
import type { Listening } from '../../testbed/servers/http-util.ts';
import {
  type QueuedResponse,
  type RecordedRequest,
  startSlackSink,
} from '../../testbed/servers/slack-sink.ts';
import { BUILD_ENV } from '../../unit/plugins/slack-notify/build-env.ts';

describe('slack-notify cancelled while posting (the bundle, signalled)', function () {
  this.timeout(60_000);
  let sink: Listening;
  let entry: string;
  let workspace: string;
  const running: Running[] = [];

  before(async function () {
    this.timeout(120_000);
    sink = await startSlackSink({ port: 0 });
    entry = await privateBundle('slack-notify');
    workspace = mkdtempSync(join(tmpdir(), 'slack-notify-cancel-ws-'));
  });
  afterEach(() => {
    for (const r of running.splice(0)) r.cleanup();
  });
  after(async () => {
    await sink?.close();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  /** A webhook path no other test posts to. */
  const uniquePath = () => `/services/T0CANCEL/B0CANCEL/${randomBytes(8).toString('hex')}`;

  async function queue(...answers: QueuedResponse[]): Promise<void> {
    const res = await fetch(`${sink.url}/_testbed/responses`, {
      method: 'POST',
      body: JSON.stringify(answers),
      headers: { 'content-type': 'application/json' },
    });
    assert.ok(res.ok, `queueing answers: ${res.status}`);
  }

  async function postsTo(path: string): Promise<RecordedRequest[]> {
    const res = await fetch(`${sink.url}/_testbed/requests`);
    const { requests } = (await res.json()) as { requests: RecordedRequest[] };
    return requests.filter((r) => r.path === path);
  }

  async function waitForPost(path: string, timeoutMs = 20_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ((await postsTo(path)).length === 0) {
      if (Date.now() > until) throw new Error(`no post to ${path} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  function start(path: string, extra: Record<string, string> = {}): Running {
    const r = startBundle(
      entry,
      { PATH: process.env.PATH ?? '', ...BUILD_ENV, PLUGIN_WEBHOOK: `${sink.url}${path}`, ...extra },
      workspace,
    );
    running.push(r);
    return r;
  }

  it('SIGTERM while the post is on its way, answered within cancel_grace: posted once, exit 143', async () => {
    const path = uniquePath();
    await queue({ path, delayMs: 1500 });
    const run = start(path);
    await waitForPost(path);
    run.signal('SIGTERM');
    const r = await run.done;

    assert.equal(r.code, 143, r.output);
    assert.match(r.stderr, /received SIGTERM: slack-notify is stopping cleanly/);
    assert.match(r.stdout, /waiting up to 5\.0 s \(cancel_grace\) for Slack to answer the post already sent/);
    assert.match(r.stdout, /^posted to Slack$/m);
    assert.match(r.stderr, /^slack-notify cancelled by SIGTERM after the message was posted$/m);
    const posts = await postsTo(path);
    assert.equal(posts.length, 1);
    assert.match((posts[0]?.body as { text?: string } | undefined)?.text ?? '', /Succeeded/);
    assert.deepEqual(run.leftovers(), []);
  });

  it('SIGINT, no answer within cancel_grace: gives up and says so, exit 130 even with fail_on_error false', async () => {
    const path = uniquePath();
    await queue({ path, delayMs: 8000 });
    const run = start(path, { PLUGIN_CANCEL_GRACE: '1s', PLUGIN_FAIL_ON_ERROR: 'false' });
    await waitForPost(path);
    const signalled = Date.now();
    run.signal('SIGINT');
    const r = await run.done;

    assert.equal(r.code, 130, r.output);
    const took = Date.now() - signalled;
    assert.ok(took >= 900 && took < 5000, `ended ${took} ms after the signal`);
    assert.match(
      r.stderr,
      /^slack-notify cancelled by SIGINT: Slack did not answer within cancel_grace \(1\.0 s\); gave up waiting, and the message may have been posted$/m,
    );
    assert.doesNotMatch(r.output, /the step succeeds without the Slack message/);
    assert.equal((await postsTo(path)).length, 1);
    assert.deepEqual(run.leftovers(), []);
  });

  it('SIGTERM while a 503 is on its way: not retried, exit 143', async () => {
    const path = uniquePath();
    await queue({ path, status: 503, delayMs: 1000 });
    const run = start(path);
    await waitForPost(path);
    run.signal('SIGTERM');
    const r = await run.done;

    assert.equal(r.code, 143, r.output);
    assert.match(
      r.stderr,
      /^slack-notify cancelled by SIGTERM: Slack answered HTTP 503 error and is not asked again; the message was not posted$/m,
    );
    // A 503 is retried after 0.5 s when the run goes on: give a retry the time to show up.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal((await postsTo(path)).length, 1);
    assert.deepEqual(run.leftovers(), []);
  });

  it('SIGTERM while waiting to retry after a 429: stops waiting, no second post, exit 143', async () => {
    const path = uniquePath();
    await queue({ path, status: 429, retryAfter: 20 });
    const run = start(path);
    await run.waitFor(/Slack answered HTTP 429 rate_limited; trying again in 20 s/);
    const signalled = Date.now();
    run.signal('SIGTERM');
    const r = await run.done;

    assert.equal(r.code, 143, r.output);
    assert.ok(Date.now() - signalled < 3000, `ended ${Date.now() - signalled} ms after the signal`);
    assert.match(
      r.stderr,
      /^slack-notify cancelled by SIGTERM: Slack answered HTTP 429 rate_limited and is not asked again; the message was not posted$/m,
    );
    assert.equal((await postsTo(path)).length, 1);
    assert.deepEqual(run.leftovers(), []);
  });

  it('a second signal ends it at once, the post still on its way, and leaves TMPDIR empty', async () => {
    const path = uniquePath();
    await queue({ path, delayMs: 8000 });
    const run = start(path, { PLUGIN_CANCEL_GRACE: '30s' });
    await waitForPost(path);
    run.signal('SIGTERM');
    await run.waitFor(/received SIGTERM: slack-notify is stopping cleanly/);
    const second = Date.now();
    run.signal('SIGTERM');
    const r = await run.done;

    assert.equal(r.code, 143, r.output);
    assert.ok(Date.now() - second < 3000, `ended ${Date.now() - second} ms after the second signal`);
    assert.match(r.stderr, /^slack-notify stopped by SIGTERM \(second signal\)$/m);
    assert.doesNotMatch(r.stdout, /posted to Slack/);
    assert.equal((await postsTo(path)).length, 1);
    assert.deepEqual(run.leftovers(), []);
  });
});
