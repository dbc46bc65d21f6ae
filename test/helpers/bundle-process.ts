// A plugin bundle run as its image runs it, in a child process the test can watch and signal
// while it runs: what a runner does when a build is cancelled (SIGTERM, then SIGKILL), or a
// person pressing Ctrl-C (SIGINT). Give it a private build (privateBundle in bundle.ts); the
// process gets exactly the variables given, plus a private TMPDIR, where the plugin's secret
// files would live.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  output: string;
  /** Ms from the start of the process to its end. */
  elapsedMs: number;
}

export interface Running {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr as they arrived. */
  output(): string;
  /** Resolves when the output matches `pattern`; rejects after `timeoutMs` or when the process ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `sig` to the process. */
  signal(sig: 'SIGTERM' | 'SIGINT'): void;
  done: Promise<Ended>;
  /** The process's TMPDIR. */
  tmp: string;
  /** What is left in TMPDIR (folders of secret files a run failed to remove, or anything else). */
  leftovers(): string[];
  /** Kills the process if it still runs and removes TMPDIR. */
  cleanup(): void;
}

/** Starts `node <entry>` with exactly `env` (and TMPDIR) in `cwd`. */
export function startBundle(entry: string, env: Record<string, string>, cwd?: string): Running {
  const tmp = mkdtempSync(join(tmpdir(), 'plugin-tmp-'));
  const started = Date.now();
  const child = spawn(process.execPath, [entry], { env: { ...env, TMPDIR: tmp }, cwd, stdio: 'pipe' });
  let all = '';
  let stdout = '';
  let stderr = '';
  let ended = false;
  const watchers = new Set<() => void>();
  const notify = () => {
    for (const w of [...watchers]) w();
  };
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
    all += c.toString();
    notify();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
    all += c.toString();
    notify();
  });
  const done = new Promise<Ended>((resolve) => {
    child.on('close', (code, signal) => {
      ended = true;
      notify();
      resolve({ code, signal, stdout, stderr, output: all, elapsedMs: Date.now() - started });
    });
  });
  return {
    child,
    output: () => all,
    done,
    tmp,
    leftovers: () => readdirSync(tmp),
    signal: (sig) => {
      child.kill(sig);
    },
    cleanup: () => {
      if (!ended) child.kill('SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
    },
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(all)) {
            finish();
            resolve();
          } else if (ended) {
            finish();
            reject(new Error(`the process ended before printing ${pattern}:\n${all}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${all}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
  };
}
