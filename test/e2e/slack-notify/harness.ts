// Running slack-notify against the testbed's Slack sink the way a Drone step runs it: the
// shipped bundle in a child process, with only the PLUGIN_* and DRONE_* variables a test
// gives it, in an empty workspace unless the test names one.
import { schema } from '../../../plugins/slack-notify/schema.ts';
import {
  type BundleRunOptions,
  type ChildRun,
  privateBundle,
  runBundle,
  tempFolder,
} from '../../helpers/bundle.ts';
import { slackRequests } from '../../testbed/servers/client.ts';
import type { RecordedRequest } from '../../testbed/servers/slack-sink.ts';
import type { TestbedState } from '../../testbed/state.ts';

export { schema };

/** Runs the slack-notify bundle with exactly `env` (and PATH), by default in an empty workspace. */
export async function runPlugin(env: Record<string, string>, opts: BundleRunOptions = {}): Promise<ChildRun> {
  return runBundle(await privateBundle('slack-notify'), env, opts);
}

/** A temporary folder for a test's files (summaries, templates), removed when mocha exits. */
export function tempDir(prefix: string): string {
  return tempFolder(`slack-notify-${prefix}-`);
}

/** The bodies of the posts the sink answered with 2xx (the messages Slack would show). */
export async function delivered(tb: TestbedState): Promise<Record<string, unknown>[]> {
  return (await slackRequests(tb))
    .filter((r) => r.status >= 200 && r.status < 300)
    .map((r) => r.body as Record<string, unknown>);
}

export async function onlyMessage(tb: TestbedState): Promise<Record<string, unknown>> {
  const all = await delivered(tb);
  if (all.length !== 1) throw new Error(`expected exactly one message at the sink, got ${all.length}`);
  return all[0] as Record<string, unknown>;
}

export async function requests(tb: TestbedState): Promise<RecordedRequest[]> {
  return slackRequests(tb);
}
