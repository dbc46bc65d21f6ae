// The plugin bundles as they ship (the file each image runs), for tests that run a plugin the
// way a Drone step does: a child process with PLUGIN_* settings and nothing else from the
// test's environment. Each mocha process builds a plugin once, into a folder of its own that
// it removes at exit: other test runs and `npm run build` rebuild dist/ meanwhile.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle } from '../../scripts/bundle.ts';
import type { PluginName } from '../../scripts/plugins.ts';
import type { Captured } from './canary.ts';

interface Built {
  entries: Map<PluginName, Promise<string>>;
  /** Folders to remove when the process exits (bundles, workspaces, tests' temp folders). */
  dirs: string[];
  /** An empty folder: the working folder of runs that name none. */
  workspace?: string;
}

// On globalThis: mocha may load a helper twice (see test/testbed/README.md), and a second
// copy must not build again.
const KEY = Symbol.for('drone-gke-plugins/test/bundles');
const store = globalThis as { [KEY]?: Built };

function built(): Built {
  let b = store[KEY];
  if (!b) {
    const fresh: Built = { entries: new Map(), dirs: [] };
    process.on('exit', () => {
      for (const dir of fresh.dirs) rmSync(dir, { recursive: true, force: true });
    });
    store[KEY] = fresh;
    b = fresh;
  }
  return b;
}

/** A new temporary folder, removed when the process exits. */
export function tempFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  built().dirs.push(dir);
  return dir;
}

/** The plugin's bundle entry, built once per process into a private folder. */
export function privateBundle(name: PluginName): Promise<string> {
  const b = built();
  let entry = b.entries.get(name);
  if (!entry) {
    entry = bundle(name, tempFolder(`bundle-${name}-`));
    // A failed build is not cached: the next test tries again and reports the error itself.
    entry.catch(() => b.entries.delete(name));
    b.entries.set(name, entry);
  }
  return entry;
}

export type ChildRun = Captured & { stdout: string; stderr: string };

export interface BundleRunOptions {
  /** The working folder (Drone's workspace); default an empty folder. */
  cwd?: string;
  /** Killed after this long (default 2 minutes); the run then fails with a note on stderr. */
  timeoutMs?: number;
  /** Called with each piece of stdout as it comes, for tests that act while the plugin runs. */
  onStdout?: (text: string) => void;
}

/**
 * Runs a bundle with node and exactly `env` plus PATH, as a Drone step would: no variable of
 * the test process (proxies, NODE_OPTIONS, the machine's CA bundle) reaches the plugin.
 * `output` is stdout followed by stderr.
 */
export function runBundle(
  entry: string,
  env: Record<string, string>,
  opts: BundleRunOptions = {},
): Promise<ChildRun> {
  const b = built();
  b.workspace ??= tempFolder('bundle-workspace-');
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], {
      env: { PATH: process.env.PATH ?? '', ...env },
      cwd: opts.cwd ?? b.workspace,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      opts.onStdout?.(text);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const timer = setTimeout(() => {
      stderr += `\n[test] killed after ${timeoutMs} ms\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, output: `${stdout}\n${stderr}` });
    });
  });
}
