// Running slack-notify against the testbed's Slack sink: in-process through the real entry
// (main() with the real @slack/webhook sender), or as the built bundle in a child process.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginModule } from '../../../common/entry.ts';
import { DEFAULT_SUMMARY_FILE } from '../../../common/summary.ts';
import { schema } from '../../../plugins/slack-notify/schema.ts';
import { type Captured, runInProcess } from '../../helpers/canary.ts';
import { slackRequests } from '../../testbed/servers/client.ts';
import type { RecordedRequest } from '../../testbed/servers/slack-sink.ts';
import type { TestbedState } from '../../testbed/state.ts';

export { schema };

export const loadPlugin = () => import('../../../plugins/slack-notify/main.ts') as Promise<PluginModule>;

/** An empty folder's summary path: in-process runs must not read a summary another test left in the repository root (the plugin's working folder). */
const NO_SUMMARY = join(mkdtempSync(join(tmpdir(), 'slack-notify-no-summary-')), DEFAULT_SUMMARY_FILE);

/** The line the plugin prints for the (missing) summary the harness points it at. */
export const NO_SUMMARY_LINE = `no deploy summary at ${NO_SUMMARY}: the message has no deploy details`;

export function runPlugin(env: Record<string, string>): Promise<Captured> {
  return runInProcess(schema, loadPlugin, { PLUGIN_DEPLOY_SUMMARY: NO_SUMMARY, ...env });
}

/** Runs the bundle with exactly `env` (and PATH) in `cwd`, by default an empty workspace. */
export function runBundle(
  entry: string,
  env: Record<string, string>,
  cwd = tempDir('workspace'),
): Promise<Captured & { stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [entry],
      { env: { PATH: process.env.PATH ?? '', ...env }, cwd, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `slack-notify-${prefix}-`));
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
