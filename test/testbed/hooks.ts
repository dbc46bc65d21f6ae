// Mocha integration. e2e test files call `await useTestbed()` in a `before()` hook: it reuses a
// healthy running testbed (from `testbed up`, or a previous run) whose code is current, or
// starts one (replacing a stale one), once per mocha process. The root afterAll hook stops the testbed only if this process started it.
// Importing this module starts nothing; unit tests that never call useTestbed() pay nothing.
//
// Register the root hook with `"require": ["test/testbed/hooks.ts"]` in .mocharc.json.
//
// Environment:
//   TESTBED_CLUSTERS=N   clusters to start when none is running (default 2)
//   TESTBED_KEEP=1       leave a testbed this process started running after the tests
//   TESTBED_VERBOSE=1    log the testbed's startup to stderr
import type { RootHookObject } from 'mocha';
import { checkHealth } from './health.ts';
import { startTestbed, stopTestbed } from './lifecycle.ts';
import { codeHash, readState, type TestbedState } from './state.ts';

// Mocha loads this file through `require` (the root hook) while test files `import` it, and
// under tsx those can be two module instances: the flags live on globalThis so both see them.
interface Shared {
  pending: Promise<TestbedState> | null;
  startedHere: boolean;
}
const SHARED = Symbol.for('drone-gke-plugins.testbed.hooks');
function shared(): Shared {
  const g = globalThis as { [SHARED]?: Shared };
  g[SHARED] ??= { pending: null, startedHere: false };
  return g[SHARED];
}

export interface UseTestbedOptions {
  /** Clusters needed; a running testbed with fewer is not reused. Default $TESTBED_CLUSTERS or 2. */
  clusters?: number;
}

function wantedClusters(opts: UseTestbedOptions): number {
  if (opts.clusters !== undefined) return opts.clusters;
  const env = process.env['TESTBED_CLUSTERS'];
  return env !== undefined && /^\d+$/.test(env) ? Number(env) : 2;
}

/**
 * The running testbed's state: reused when healthy, else started (once per process).
 * Call it from `before()` with a generous timeout: a cold start builds the tools.
 */
export function useTestbed(opts: UseTestbedOptions = {}): Promise<TestbedState> {
  const clusters = wantedClusters(opts);
  const acquire = async (): Promise<TestbedState> => {
    const existing = readState();
    if (
      existing &&
      existing.clusters.length >= clusters &&
      existing.codeHash === codeHash() &&
      (await checkHealth(existing)).healthy
    ) {
      return existing;
    }
    const verbose = process.env['TESTBED_VERBOSE'] === '1';
    const state = await startTestbed({
      clusters,
      log: (line) => {
        if (verbose) process.stderr.write(`[testbed] ${line}\n`);
      },
    });
    if (state.ownerPid === process.pid) shared().startedHere = true;
    return state;
  };
  // Later calls reuse the first one's testbed unless they need more clusters than it has.
  // A failed start is not retried by every later test file: they all see the same error.
  const sh = shared();
  sh.pending = sh.pending
    ? sh.pending.then((s) => (s.clusters.length >= clusters ? s : acquire()))
    : acquire();
  return sh.pending;
}

/** True when this process started the testbed it uses (and will stop it). */
export function testbedStartedHere(): boolean {
  return shared().startedHere;
}

export const mochaHooks: RootHookObject = {
  async afterAll(this: Mocha.Context) {
    const sh = shared();
    if (!sh.startedHere || process.env['TESTBED_KEEP'] === '1') return;
    this.timeout(30_000);
    await stopTestbed();
    sh.startedHere = false;
    sh.pending = null;
  },
};
