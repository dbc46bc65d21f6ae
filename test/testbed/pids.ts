// The PIDs a testbed started: whether each is still running and still ours (not a zombie, not
// a reused PID), finding the ones an unfinished `up` never recorded, and stopping them — the
// testbed's one kill helper. Hand-written rather than tree-kill: every testbed process leads
// its own process group, so a group signal reaches its children without walking the tree.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Spawned } from './proc.ts';
import type { ProcessEntry } from './state.ts';

/** The fields of /proc/<pid>/stat after the command name, from the state field on. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Alive and not a zombie. A detached child whose starter has exited is reaped by PID 1 only
 * now and then, and kill(pid, 0) succeeds on a zombie: that alone would make `down` wait.
 */
export function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false;
  const fields = statFields(pid);
  return fields === undefined || fields[0] !== 'Z';
}

/** Start time of a process (clock ticks since boot) from /proc; undefined where unknown. */
export function processStartTime(pid: number): number | undefined {
  const v = Number(statFields(pid)?.[19]);
  return Number.isFinite(v) ? v : undefined;
}

/** What the state file records of a started process: its start time guards against PID reuse. */
export function entryOf(p: Spawned): ProcessEntry {
  const startTime = processStartTime(p.pid);
  return startTime === undefined ? { ...p } : { ...p, startTime };
}

/** True when the PID is running and is still the process we started (not a reused PID). */
export function isOurs(p: ProcessEntry): boolean {
  if (!isRunning(p.pid)) return false;
  if (p.startTime === undefined) return true;
  const now = processStartTime(p.pid);
  return now === undefined || now === p.startTime;
}

/** The process `pid` as an entry when its command line or working folder is under `prefix`. */
function entryUnder(pid: number, prefix: string): ProcessEntry | undefined {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      cwd = '';
    }
    if (!cmdline.includes(prefix) && !`${cwd}/`.startsWith(prefix)) return undefined;
    const name = cmdline.split(' ')[0]?.split('/').pop() ?? String(pid);
    return { name, pid, logFile: '' };
  } catch {
    return undefined; // exited meanwhile, or not ours to read
  }
}

/**
 * Processes whose command line or working folder is inside `runDir`: every process a testbed
 * starts names a file under its run folder. Used only after an `up` that did not finish, when
 * a cluster may have started processes whose PIDs never reached the state file.
 */
export function processesUnder(runDir: string): ProcessEntry[] {
  const prefix = runDir.endsWith('/') ? runDir : `${runDir}/`;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  return pids
    .map(Number)
    .filter((pid) => pid !== process.pid)
    .map((pid) => entryUnder(pid, prefix))
    .filter((p): p is ProcessEntry => p !== undefined && isRunning(p.pid));
}

/** Sends `sig` to each PID's process group and to the PID itself. */
function signalAll(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, sig);
      } catch {
        // gone already, or not a group leader
      }
    }
  }
}

async function waitGone(pids: readonly number[], deadline: number): Promise<void> {
  while (pids.some(isRunning) && Date.now() < deadline) await sleep(25);
}

/** Stops the given PIDs and their process groups: TERM, KILL after `graceMs` to whatever still runs. */
export async function killPids(pids: readonly number[], graceMs = 5000): Promise<void> {
  signalAll(pids, 'SIGTERM');
  await waitGone(pids, Date.now() + graceMs);
  const stubborn = pids.filter(isRunning);
  if (stubborn.length === 0) return;
  signalAll(stubborn, 'SIGKILL');
  await waitGone(stubborn, Date.now() + 3000);
}
