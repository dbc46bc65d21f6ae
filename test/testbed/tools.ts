// Builds, once per pinned version, the Go programs the testbed runs: etcd, the Kubernetes
// control plane and kubectl, kwok, and fake-gcs-server. Each tool has a wrapper module under
// test/testbed/go/<tool>/ whose go.mod pins the version (and go.sum its checksums); the
// binaries go to a cache outside the repository, one folder per tool and version:
//   ${DRONE_GKE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drone-gke-plugins/tools}/<tool>-<version>/
// so a warm run finds them at once and changing a pin builds the new version.
//
// Run as a script (`npx tsx test/testbed/tools.ts`) it builds everything and prints the paths.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorMessage } from '../../common/errors.ts';
import { lock } from './lock.ts';
import { isAlive } from './pids.ts';

// test/drone builds drone-cli with the same lock.
export { lock };

export interface ToolPaths {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
  fakeGcsServer: string;
}

interface Binary {
  key: keyof ToolPaths;
  /** The main package to build. */
  pkg: string;
  /** The file name in the cache folder. */
  file: string;
}

interface Unit {
  /** Folder under test/testbed/go/ and prefix of the cache folder. */
  id: string;
  /** The module whose version go.mod pins; that version names the cache folder. */
  module: string;
  binaries: Binary[];
  /** Extra -ldflags, e.g. version stamps. */
  ldflags?: (version: string) => string[];
  /** Said while building, so a long first build does not look hung. */
  expected: string;
}

export const GO_DIR = join(dirname(fileURLToPath(import.meta.url)), 'go');

// Kubernetes binaries read their version from these variables; `go build` of the module leaves
// them at placeholders, the release scripts set them with -X (see hack/lib/version.sh upstream).
export function kubeVersionFlags(version: string): string[] {
  const m = /^v(\d+)\.(\d+)\./.exec(version);
  if (!m) throw new Error(`unexpected Kubernetes version ${version}`);
  const buildDate = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const flags: string[] = [];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${m[1]}`,
      `-X ${pkg}.gitMinor=${m[2]}`,
      // The module zip carries no commit id; empty beats the '$Format:%H$' placeholder.
      `-X ${pkg}.gitCommit=`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=${buildDate}`,
    );
  }
  return flags;
}

// In build order: fake-gcs-server first (the storage half of the testbed needs it soonest),
// the Kubernetes release last (by far the longest).
const UNITS: readonly Unit[] = [
  {
    id: 'fake-gcs-server',
    module: 'github.com/fsouza/fake-gcs-server',
    binaries: [{ key: 'fakeGcsServer', pkg: 'github.com/fsouza/fake-gcs-server', file: 'fake-gcs-server' }],
    expected: 'about a minute',
  },
  {
    id: 'etcd',
    module: 'go.etcd.io/etcd/server/v3',
    binaries: [{ key: 'etcd', pkg: 'go.etcd.io/etcd/server/v3', file: 'etcd' }],
    expected: 'about a minute',
  },
  {
    id: 'kwok',
    module: 'sigs.k8s.io/kwok',
    binaries: [{ key: 'kwok', pkg: 'sigs.k8s.io/kwok/cmd/kwok', file: 'kwok' }],
    expected: 'a few minutes',
  },
  {
    id: 'kubernetes',
    module: 'k8s.io/kubernetes',
    binaries: [
      { key: 'kubeApiserver', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver', file: 'kube-apiserver' },
      {
        key: 'kubeControllerManager',
        pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager',
        file: 'kube-controller-manager',
      },
      { key: 'kubeScheduler', pkg: 'k8s.io/kubernetes/cmd/kube-scheduler', file: 'kube-scheduler' },
      { key: 'kubectl', pkg: 'k8s.io/kubernetes/cmd/kubectl', file: 'kubectl' },
    ],
    ldflags: kubeVersionFlags,
    expected: 'several minutes',
  },
];

/** The version of `module` that test/testbed/go/<id>/go.mod requires. */
function pinnedVersion(unit: Unit): string {
  const goMod = join(GO_DIR, unit.id, 'go.mod');
  const text = readFileSync(goMod, 'utf8');
  const escaped = unit.module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(text);
  if (!m?.[1]) throw new Error(`${goMod} does not require ${unit.module}`);
  return m[1];
}

/** Pinned versions, by tool: read from the wrapper modules' go.mod files. */
export const TOOL_VERSIONS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(UNITS.map((u) => [u.id, pinnedVersion(u)])),
);

export function toolsCacheDir(): string {
  const explicit = process.env['DRONE_GKE_TOOLS_CACHE'];
  if (explicit) return explicit;
  const base = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(base, 'drone-gke-plugins', 'tools');
}

function unitDir(unit: Unit): string {
  return join(toolsCacheDir(), `${unit.id}-${TOOL_VERSIONS[unit.id]}`);
}

// Written last into a finished folder, so a half-built folder never counts as built.
const STAMP = '.complete';

function isBuilt(unit: Unit): boolean {
  const dir = unitDir(unit);
  return existsSync(join(dir, STAMP)) && unit.binaries.every((b) => existsSync(join(dir, b.file)));
}

function describe(unit: Unit): string {
  const names = unit.binaries.map((b) => b.file);
  return `${names.length > 1 ? names.join(', ') : names[0]} ${TOOL_VERSIONS[unit.id]}`;
}

/** Runs a command to the end, stdout and stderr together. */
export function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

async function goVersion(): Promise<string> {
  try {
    const { code, out } = await run('go', ['version'], process.cwd(), process.env);
    if (code === 0) return out.trim();
  } catch {
    // reported below
  }
  return '';
}

async function build(unit: Unit, log: (line: string) => void): Promise<void> {
  const what = describe(unit);
  const dir = unitDir(unit);
  mkdirSync(dirname(dir), { recursive: true });
  const release = await lock(dir, what, log);
  try {
    if (isBuilt(unit)) return; // built by the process we waited for
    const go = await goVersion();
    if (!go) {
      throw new Error(
        `cannot build ${what} for the testbed: the 'go' command was not found (install Go 1.26 or newer and put it on PATH)`,
      );
    }
    const version = TOOL_VERSIONS[unit.id]!;
    // Leftovers of builds that were killed half-way (their process is gone).
    const prefix = `${basename(dir)}.partial-`;
    for (const entry of readdirSync(dirname(dir))) {
      const pid = entry.startsWith(prefix) ? Number(entry.slice(prefix.length)) : 0;
      if (pid > 0 && (pid === process.pid || !isAlive(pid))) {
        rmSync(join(dirname(dir), entry), { recursive: true, force: true });
      }
    }
    const partial = `${dir}.partial-${process.pid}`;
    mkdirSync(partial, { recursive: true });
    const single = unit.binaries.length === 1;
    const args = [
      'build',
      '-trimpath',
      '-buildvcs=false',
      '-ldflags',
      ['-s', '-w', ...(unit.ldflags?.(version) ?? [])].join(' '),
      '-o',
      single ? join(partial, unit.binaries[0]!.file) : `${partial}/`,
      ...unit.binaries.map((b) => b.pkg),
    ];
    log(`building ${what} (first run only, ${unit.expected})…`);
    const started = Date.now();
    const ticker = setInterval(() => {
      log(`  still building ${what} (${Math.round((Date.now() - started) / 1000)} s)…`);
    }, 30_000);
    let result: { code: number; out: string };
    try {
      // GOWORK=off: a go.work above the repository must not change what is built.
      result = await run('go', args, join(GO_DIR, unit.id), { ...process.env, GOWORK: 'off' });
    } finally {
      clearInterval(ticker);
    }
    if (result.code !== 0) {
      rmSync(partial, { recursive: true, force: true });
      const tail = result.out.trimEnd().split('\n').slice(-30).join('\n');
      throw new Error(
        `building ${what} for the testbed failed (go build exit ${result.code}, ${go}):\n${tail}`,
      );
    }
    for (const b of unit.binaries) {
      if (!existsSync(join(partial, b.file))) throw new Error(`building ${what}: go build made no ${b.file}`);
    }
    writeFileSync(join(partial, STAMP), `${go}\n${new Date().toISOString()}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
    log(`built ${what} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    release();
  }
}

/**
 * Builds the tools that are missing from the cache (all, or those that `only` names) and
 * returns the absolute paths of all of them; with `only`, the others may not exist yet.
 */
export async function ensureTools(
  opts: { log?: (line: string) => void; only?: (keyof ToolPaths)[] } = {},
): Promise<ToolPaths> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const wanted = (u: Unit) => !opts.only || u.binaries.some((b) => opts.only!.includes(b.key));
  // One at a time: on a small machine parallel builds only compete for the same cores.
  for (const unit of UNITS) {
    if (wanted(unit) && !isBuilt(unit)) await build(unit, log);
  }
  const paths = {} as ToolPaths;
  for (const unit of UNITS) {
    for (const b of unit.binaries) paths[b.key] = join(unitDir(unit), b.file);
  }
  return paths;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  const cold = UNITS.filter((u) => !isBuilt(u)).map((u) => u.id);
  try {
    const paths = await ensureTools({ log: (line) => console.log(line) });
    for (const [key, path] of Object.entries(paths)) console.log(`${key.padEnd(22)} ${path}`);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      cold.length > 0 ? `built ${cold.join(', ')} in ${secs} s` : `all tools already built (${secs} s)`,
    );
  } catch (err) {
    console.error(errorMessage(err));
    process.exitCode = 1;
  }
}
