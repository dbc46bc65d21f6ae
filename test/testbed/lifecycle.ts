// What the CLI and useTestbed() (hooks.ts) call in-process: start a testbed — or reuse the
// running one when it is healthy, big enough and runs the current code — and stop it.
import { stopState } from './down.ts';
import { checkHealth } from './health.ts';
import { withTestbedLock } from './lock.ts';
import { codeHash, readState, type TestbedState, testbedDir } from './state.ts';
import { bringUp, type Log, type StartOptions } from './up.ts';

export type { Log, StartOptions } from './up.ts';

/** Why `existing` cannot serve `opts`; undefined when it can be reused. */
async function replaceReason(existing: TestbedState, opts: StartOptions): Promise<string | undefined> {
  const health = await checkHealth(existing);
  if (!health.healthy) return 'a previous testbed is not healthy: stopping what is left of it';
  if (existing.clusters.length < (opts.clusters ?? 2))
    return `the running testbed has ${existing.clusters.length} clusters, fewer than asked: replacing it`;
  if (existing.codeHash !== codeHash())
    return 'the testbed code (servers/, kube/) changed since the running testbed started: replacing it';
  return undefined;
}

/**
 * Starts a testbed and writes the state file; reuses a healthy running one. On failure,
 * whatever was started is stopped again and the error says which part failed and why.
 */
export async function startTestbed(opts: StartOptions = {}): Promise<TestbedState> {
  const log: Log = opts.log ?? (() => {});
  return withTestbedLock(
    testbedDir(),
    async () => {
      const existing = readState();
      if (existing) {
        const reason = await replaceReason(existing, opts);
        if (reason === undefined) {
          log(`testbed already running (started ${existing.startedAt}); reusing it`);
          return existing;
        }
        log(reason);
        await stopState(existing, log);
      }
      return bringUp(opts, log);
    },
    log,
  );
}

/** Stops the testbed in the state file (if any). Returns false when there was none. */
export async function stopTestbed(opts: { log?: Log } = {}): Promise<boolean> {
  const log = opts.log ?? (() => {});
  const state = readState();
  if (!state) return false;
  await stopState(state, log);
  return true;
}
