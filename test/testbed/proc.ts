// Process helpers for the testbed: detached children with a log file each, readiness
// polling and free ports (stopping them is pids.ts).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRunning } from './pids.ts';

export interface Spawned {
  name: string;
  pid: number;
  logFile: string;
}

export interface SpawnOptions {
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts `cmd args` in its own process group, stdout and stderr to `<logDir>/<name>.log`. */
export function spawnDetached(
  name: string,
  cmd: string,
  args: readonly string[],
  opts: SpawnOptions,
): Spawned {
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = join(opts.logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, [...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd}): is it installed?`);
    child.unref();
    return { name, pid: child.pid, logFile };
  } finally {
    closeSync(fd);
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function tailLog(file: string, lines = 20): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** A process that must stay alive while waiting: its death ends the wait early. */
  proc?: Spawned;
}

/** Polls `check` until it returns true; on timeout or when `proc` dies, throws with the log's tail. */
export async function waitFor(check: () => Promise<boolean> | boolean, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    const dead = opts.proc !== undefined && !isRunning(opts.proc.pid);
    if (dead || Date.now() > deadline) {
      const why = dead ? `${opts.proc?.name} exited` : `timed out after ${opts.timeoutMs} ms`;
      const last = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const log = opts.proc ? `\n--- ${opts.proc.logFile} ---\n${tailLog(opts.proc.logFile)}` : '';
      throw new Error(`waiting for ${opts.what}: ${why}${last}${log}`);
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
