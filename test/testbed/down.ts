// `down`: stop exactly the processes a state file lists (and, after an `up` that did not
// finish, those running from its run folder), then remove the state file and the run folder.
import { rmSync } from 'node:fs';
import { isOurs, isRunning, killPids, processesUnder } from './pids.ts';
import { removeState, type TestbedState } from './state.ts';

/** The processes to stop: the recorded ones still ours, plus strays of an unfinished `up`. */
function processesToStop(state: TestbedState, log: (line: string) => void) {
  const ours = state.processes.filter(isOurs);
  if (state.phase === 'starting') {
    for (const p of processesUnder(state.runDir)) {
      if (ours.some((o) => o.pid === p.pid)) continue;
      log(`also stopping ${p.name} (${p.pid}): started by an unfinished up, not yet in the state file`);
      ours.push(p);
    }
  }
  const reused = state.processes.filter((p) => isRunning(p.pid) && !ours.includes(p));
  for (const p of reused) log(`pid ${p.pid} (${p.name}) now belongs to another process: leaving it alone`);
  return ours;
}

export async function stopState(state: TestbedState, log: (line: string) => void): Promise<void> {
  const ours = processesToStop(state, log);
  if (ours.length > 0) {
    log(`stopping ${ours.map((p) => `${p.name} (${p.pid})`).join(', ')}`);
    // A short grace: the testbed is disposable, and kube-apiserver and etcd take many seconds to drain.
    await killPids(
      ours.map((p) => p.pid),
      1500,
    );
  }
  const left = ours.filter((p) => isRunning(p.pid));
  if (left.length > 0)
    throw new Error(`testbed: could not stop ${left.map((p) => `${p.name} (${p.pid})`).join(', ')}`);
  removeState(state.stateFile);
  rmSync(state.runDir, { recursive: true, force: true });
}
