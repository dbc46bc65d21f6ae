// The app mode (token, Web API) through the bundle, against a Slack sink started here on its
// own port from this checkout: the shared testbed's sink is cleared by other test runs at any
// time (as cancel.test.ts notes), and these tests set its workspace, rate limits and errors.
// Each test gets a fresh workspace folder, where start and finish share the message file.
import { privateBundle, runBundle } from '../../helpers/bundle.ts';
import { type Running, startBundle } from '../../helpers/bundle-process.ts';
import type { Listening } from '../../testbed/servers/http-util.ts';
import { startSlackSink } from '../../testbed/servers/slack-sink.ts';
import { BUILD_ENV } from '../../unit/plugins/slack-notify/build-env.ts';
import { tempDir } from './harness.ts';

/** A token of the sink's default workspace (any xoxb- token is the app's there). */
export const TOKEN = 'xoxb-1234-5678-apptokensecret';

export interface AppBed {
  sink: Listening;
  entry: string;
  /** The variables of a build in app mode: the token, #deploys, the sink as api_url. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** A fresh workspace (the step's working folder). */
  workspace(): string;
  run(env: Record<string, string>, cwd: string): ReturnType<typeof runBundle>;
  start(env: Record<string, string>, cwd: string): Running;
}

export async function startAppBed(): Promise<AppBed> {
  const sink = await startSlackSink({ port: 0 });
  const entry = await privateBundle('slack-notify');
  return {
    sink,
    entry,
    env: (extra = {}) => ({
      ...BUILD_ENV,
      DRONE_COMMIT_AUTHOR_EMAIL: 'octocat@example.com',
      PLUGIN_TOKEN: TOKEN,
      PLUGIN_CHANNEL: 'deploys',
      PLUGIN_API_URL: `${sink.url}/api/`,
      ...extra,
    }),
    workspace: () => tempDir('app-ws'),
    run: (env, cwd) => runBundle(entry, env, { cwd }),
    start: (env, cwd) => startBundle(entry, { PATH: process.env.PATH ?? '', ...env }, cwd),
  };
}

/** The text of a message and of its attachments' blocks, for matching. */
export function textOf(message: { text?: unknown; attachments?: unknown } | undefined): string {
  return JSON.stringify([message?.text, message?.attachments]);
}
