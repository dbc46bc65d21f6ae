// gke-deploy or rollback started as a child process the test can watch and signal while it
// runs (test/helpers/bundle-process.ts), from this mocha process's private build.
import { type Running, startBundle } from '../../helpers/bundle-process.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import type { TestbedState } from '../../testbed/state.ts';
import { bundled, removeNamespaces } from './harness.ts';

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

/**
 * For a suite that starts plugins and signals them: the two-cluster testbed (handed to
 * `onTestbed`) and the bundles built before the tests, and after each test every run still
 * going killed and the test's namespaces removed. Push each started run on the array returned.
 */
export function useRunningPlugins(
  names: readonly ('gke-deploy' | 'rollback')[],
  onTestbed: (tb: TestbedState) => void,
): Running[] {
  const running: Running[] = [];
  let tb: TestbedState;
  before(async function () {
    this.timeout(30 * 60_000);
    tb = await useTestbed({ clusters: 2 });
    onTestbed(tb);
    await Promise.all(names.map((n) => bundled(n)));
  });
  afterEach(async () => {
    for (const r of running.splice(0)) {
      r.child.kill('SIGKILL');
      r.cleanup();
    }
    await removeNamespaces(tb);
  });
  return running;
}
