// Locks between processes, each owned by a PID: a lock whose owner has died is taken over.
// Two forms, both kept as they are because processes running older code share them: the
// testbed's `<dir>/lock` (a file holding the PID; serialises `up`) and a tool build's
// `<dir>.lock` (a folder holding a `pid` file). Hand-written rather than proper-lockfile:
// that library judges staleness by mtime, these by whether the owner still runs, and the
// common part below is shorter than its options.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './pids.ts';

interface LockForm {
  /** Creates the lock atomically; false when it exists. */
  take(): boolean;
  /** The owner's PID, 0 when unreadable. */
  owner(): number;
  /** True when a lock held by `owner` is abandoned and may be cleared. */
  abandoned(owner: number): boolean;
  clear(): void;
}

interface WaitPolicy {
  pollMs: number;
  /** Said once, when the lock is found held. */
  onWait(owner: number): void;
  /** Give up after `afterMs`, with this message; wait for ever without it. */
  giveUp?: { afterMs: number; message(owner: number): string };
}

async function acquire(form: LockForm, policy: WaitPolicy): Promise<() => void> {
  const deadline = policy.giveUp ? Date.now() + policy.giveUp.afterMs : Infinity;
  let told = false;
  for (;;) {
    if (form.take()) return () => form.clear();
    const owner = form.owner();
    if (form.abandoned(owner)) {
      form.clear();
      continue;
    }
    if (policy.giveUp && Date.now() > deadline) throw new Error(policy.giveUp.message(owner));
    if (!told) policy.onWait(owner);
    told = true;
    await sleep(policy.pollMs);
  }
}

const readPid = (file: string) => {
  try {
    return Number(readFileSync(file, 'utf8').trim() || '0');
  } catch {
    return 0; // being created or removed right now
  }
};

/** The testbed's lock file in `dir`. */
export const testbedLockFile = (dir: string) => join(dir, 'lock');

function fileLock(file: string): LockForm {
  return {
    take() {
      try {
        const fd = openSync(file, 'wx');
        writeFileSync(fd, String(process.pid));
        closeSync(fd);
        return true;
      } catch {
        return false;
      }
    },
    owner: () => readPid(file),
    // An unreadable lock file counts as abandoned too, as it always did.
    abandoned: (owner) => !owner || !isAlive(owner),
    clear: () => rmSync(file, { force: true }),
  };
}

/** Runs `fn` holding `<dir>/lock`: serialises `up` between processes (two mocha runs, a CLI and a test run). */
export async function withTestbedLock<T>(
  dir: string,
  fn: () => Promise<T>,
  log: (line: string) => void,
): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const file = testbedLockFile(dir);
  const release = await acquire(fileLock(file), {
    pollMs: 250,
    onWait: (owner) => log(`waiting for pid ${owner}, which holds ${file}`),
    giveUp: {
      afterMs: 10 * 60_000,
      message: (owner) => `testbed: ${file} held by pid ${owner} for too long`,
    },
  });
  try {
    return await fn();
  } finally {
    release();
  }
}

/** Removes the testbed lock in `dir` if this process holds it (on an interrupted `up`). */
export function releaseTestbedLockIfOurs(dir: string): void {
  const file = testbedLockFile(dir);
  if (readPid(file) === process.pid) rmSync(file);
}

/**
 * Takes `<dir>.lock` so that two processes do not build the same tool at once; a lock left by
 * a dead process is taken over. Returns the release function.
 */
export function lock(dir: string, what: string, log: (line: string) => void): Promise<() => void> {
  const lockDir = `${dir}.lock`;
  const form: LockForm = {
    take() {
      try {
        mkdirSync(lockDir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        return false;
      }
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return true;
    },
    owner: () => readPid(join(lockDir, 'pid')),
    // No pid file yet: its owner is writing it right now.
    abandoned: (owner) => owner > 0 && !isAlive(owner),
    clear: () => rmSync(lockDir, { recursive: true, force: true }),
  };
  return acquire(form, {
    pollMs: 1000,
    onWait: (owner) => log(`waiting for another process (pid ${owner || '?'}) that is building ${what}…`),
  });
}
