// gke-deploy or rollback started as a child process the test can watch and signal while it
// runs (test/helpers/bundle-process.ts), from this mocha process's private build.
import { type Running, startBundle } from '../../helpers/bundle-process.ts';
import { bundled } from './harness.ts';

export type { Running };

export async function startPlugin(
  name: 'gke-deploy' | 'rollback',
  env: Record<string, string>,
  cwd: string,
): Promise<Running> {
  const run = startBundle(await bundled(name), env, cwd);
  // A rollout on two busy cores can take longer than the helper's default to get going.
  return { ...run, waitFor: (pattern, timeoutMs = 60_000) => run.waitFor(pattern, timeoutMs) };
}
