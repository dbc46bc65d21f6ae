// A plugin bundle started as a child process that the test can watch and signal while it
// runs: what a runner does when a build is cancelled (SIGTERM, then SIGKILL) or a person
// presses Ctrl-C (SIGINT).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Captured } from '../../helpers/canary.ts';
import { bundled } from './harness.ts';

export interface Running {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr interleaved as they arrived). */
  output(): string;
  /** Resolves when the output matches `pattern` (rejects after `timeoutMs` or when the process ends first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<Captured & { stdout: string; stderr: string; signal: NodeJS.Signals | null }>;
  /** The process's private temp folder (TMPDIR): where its secret files live. */
  tmp: string;
  /** Entries left in tmp (secret folders a run failed to remove). */
  leftovers(): string[];
  cleanup(): void;
}

export async function startPlugin(
  name: 'gke-deploy' | 'rollback',
  env: Record<string, string>,
  cwd: string,
): Promise<Running> {
  const entry = await bundled(name);
  const tmp = mkdtempSync(join(tmpdir(), `${name}-tmp-`));
  const child = spawn(process.execPath, [entry], { env: { ...env, TMPDIR: tmp }, cwd, stdio: 'pipe' });
  let all = '';
  let stdout = '';
  let stderr = '';
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
  let ended = false;
  const done = new Promise<Captured & { stdout: string; stderr: string; signal: NodeJS.Signals | null }>(
    (resolve) => {
      child.on('close', (code, signal) => {
        ended = true;
        notify();
        resolve({ code: code ?? 128, signal, stdout, stderr, output: `${stdout}\n${stderr}` });
      });
    },
  );
  return {
    child,
    output: () => all,
    done,
    tmp,
    leftovers: () => readdirSync(tmp),
    cleanup: () => rmSync(tmp, { recursive: true, force: true }),
    waitFor(pattern, timeoutMs = 60_000) {
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
