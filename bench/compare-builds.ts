// Two builds side by side through the benchmarks whose figures must not move with a refactor
// (issue #14): `--help` and no-settings start-up, slack-notify's cold start, gcs-static-sync's
// initial upload and no-op re-sync, and gke-deploy's overhead over kubectl (one cluster: the
// 3-cluster subjects double the run's time and are not among #14's figures). Each bench runs
// once, with both builds' subjects interleaved in it (see bench/builds.ts).
//
//   TESTBED_DIR=<a running testbed> npx tsx bench/compare-builds.ts <before> <after>
//       [--only help,cold-start,gcs,deploy]
//
// <before> and <after> are each a folder laid out like dist/ (<plugin>/index.js) or a git
// revision; a revision is bundled in a detached worktree of its own (this checkout's
// node_modules linked in), removed at the end. The gcs bench reads the running testbed's
// state (its fake-gcs-server binary, CA, token endpoint) and starts a server of its own; the
// deploy bench starts and stops its own 1-cluster testbed in .testbed-bench.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Each bench with the arguments of the comparison: medians of runs of seconds, more for fast ones. */
const BENCHES = {
  help: ['bench/help-startup.ts', '--runs', '30'],
  'cold-start': ['bench/slack-notify-cold-start.ts', '--runs', '30'],
  gcs: ['bench/gcs-static-sync-rsync.ts', '--runs', '5', '--skip-gcloud', '--skip-scale'],
  deploy: ['bench/gke-deploy.ts', '--runs', '5', '--one-cluster'],
} as const;
type BenchName = keyof typeof BENCHES;

const positional = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--only');
const [beforeArg, afterArg] = positional;
if (!beforeArg || !afterArg || positional.length !== 2) {
  console.error(
    'usage: npx tsx bench/compare-builds.ts <before> <after> (each a dist folder or a git revision)',
  );
  process.exit(2);
}
const onlyAt = process.argv.indexOf('--only');
const only = (onlyAt > 0 ? (process.argv[onlyAt + 1] ?? '') : Object.keys(BENCHES).join(',')).split(',');
const unknown = only.filter((b) => !(b in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}; expected some of ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}

const scratch = mkdtempSync(join(tmpdir(), 'compare-builds-'));
const worktrees: string[] = [];
const git = (args: string[], cwd = root) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

/** A dist folder as it is, or a revision bundled in a detached worktree. */
function distOf(label: string, arg: string): string {
  if (existsSync(arg) && statSync(arg).isDirectory()) return resolve(arg);
  const rev = git(['rev-parse', '--short', `${arg}^{commit}`]);
  const tree = join(scratch, label);
  git(['worktree', 'add', '--detach', tree, rev]);
  worktrees.push(tree);
  symlinkSync(realpathSync(join(root, 'node_modules')), join(tree, 'node_modules'));
  console.log(`bundling ${label} (${rev})`);
  execFileSync('npx', ['tsx', 'scripts/bundle.ts'], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
  return join(tree, 'dist');
}

const t0 = Date.now();
try {
  const builds = [
    '--build',
    `before=${distOf('before', beforeArg)}`,
    '--build',
    `after=${distOf('after', afterArg)}`,
  ];
  const mins = (since: number) => `${((Date.now() - since) / 60_000).toFixed(1)} min`;
  console.log(`before: ${beforeArg}, after: ${afterArg}; bundled in ${mins(t0)}`);
  for (const name of only as BenchName[]) {
    const started = Date.now();
    console.log(`\n## ${name}: npx tsx ${BENCHES[name].join(' ')} ${builds.join(' ')}\n`);
    execFileSync('npx', ['tsx', ...BENCHES[name], ...builds], { cwd: root, stdio: 'inherit' });
    console.log(`\n(${name} took ${mins(started)})`);
  }
  console.log(`\nthe whole comparison took ${mins(t0)}`);
} finally {
  for (const tree of worktrees) git(['worktree', 'remove', '--force', tree]);
  rmSync(scratch, { recursive: true, force: true });
}
