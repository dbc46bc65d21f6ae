// How fast each plugin bundle starts, against bare `node -e 0` in the same run: `--help`
// (the entry and the schema only), and a run without settings (the plugin body is loaded, the
// settings check fails, exit 1), which is the start-up every real run pays first. The runs
// are interleaved (baseline, plugin 1, plugin 2, …, repeat) so machine noise hits every
// subject alike. Bundle sizes are printed too.
// Usage: npm run bench:help [-- --runs 40] [-- --with <label>=<folder> ...]
// --with adds the bundles of another build, side by side with dist/: a folder laid out like
// dist/ (<plugin>/index.js), e.g. a copy of dist/ built from another commit. --build
// <label>=<folder> (see bench/builds.ts) runs only the builds it names, not dist/.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLUGINS } from '../scripts/plugins.ts';
import { entryOf, namedBuilds, tagOf } from './builds.ts';
import { inRoundOrder, median, percentile } from './stats.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;
const named = namedBuilds('--build');
const builds =
  named.length > 0 ? named : [{ label: 'dist', dir: join(root, 'dist') }, ...namedBuilds('--with')];

interface Subject {
  name: string;
  args: string[];
  /** The exit status the subject must end with. */
  status: number;
}

const subjects: Subject[] = [{ name: 'node -e 0 (baseline)', args: ['-e', '0'], status: 0 }];
for (const build of builds) {
  for (const p of PLUGINS) {
    subjects.push({
      name: `${p} --help${tagOf(builds, build)}`,
      args: [entryOf(build, p), '--help'],
      status: 0,
    });
  }
}
for (const build of builds) {
  for (const p of PLUGINS) {
    subjects.push({ name: `${p}, no settings${tagOf(builds, build)}`, args: [entryOf(build, p)], status: 1 });
  }
}

// CPU time (user + system, from GNU time, 10 ms steps) swings far less with the machine's load
// than wall time does, so both are reported.
const hasTime = spawnSync('/usr/bin/time', ['-f', '%U %S', 'true'], { stdio: 'ignore' }).status === 0;
const times = new Map<string, number[]>(subjects.map(({ name }) => [name, []]));
const cpu = new Map<string, number[]>(subjects.map(({ name }) => [name, []]));
// Only PATH: the plugins must not see the settings of whoever runs the benchmark.
const env = { PATH: process.env.PATH ?? '' };
for (let i = 0; i < runs + 2; i++) {
  for (const { name, args, status } of inRoundOrder(subjects, i)) {
    const t0 = process.hrtime.bigint();
    const r = hasTime
      ? spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...args], {
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        })
      : spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== status) throw new Error(`${name} exited ${r.status}, expected ${status}: ${r.stderr}`);
    if (i < 2) continue; // the first two rounds warm the page cache
    times.get(name)?.push(ms);
    const [user = 0, sys = 0] = String(r.stderr).trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
    if (hasTime) cpu.get(name)?.push((user + sys) * 1000);
  }
}

const baseName = subjects[0]?.name as string;
const base = median(times.get(baseName) ?? []);
console.log(`node ${process.version}, ${runs} runs each, interleaved\n`);
const baseCpu = median(cpu.get(baseName) ?? [0]);
console.log(
  '| subject | median wall ms | p90 wall ms | wall over baseline | median CPU ms | CPU over baseline |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const { name } of subjects) {
  const xs = times.get(name) ?? [];
  const m = median(xs);
  const c = hasTime ? median(cpu.get(name) ?? []) : Number.NaN;
  const cells = [
    name,
    m.toFixed(1),
    percentile(xs, 90).toFixed(1),
    `+${(m - base).toFixed(1)} ms`,
    c.toFixed(0),
    `+${(c - baseCpu).toFixed(0)} ms`,
  ];
  console.log(`| ${cells.join(' | ')} |`);
}

const bytes = (path: string): number =>
  statSync(path).isDirectory()
    ? readdirSync(path).reduce((n, f) => n + bytes(join(path, f)), 0)
    : statSync(path).size;
const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`\n| bundle | ${builds.map(({ label }) => label).join(' | ')} |`);
console.log(`| --- | ${builds.map(() => '---').join(' | ')} |`);
for (const p of PLUGINS) {
  const cells = builds.map((b) => `${kb(bytes(join(b.dir, p)))} (entry ${kb(bytes(entryOf(b, p)))})`);
  console.log(`| ${p} | ${cells.join(' | ')} |`);
}
