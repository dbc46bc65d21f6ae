// How fast each plugin bundle answers --help, against bare `node -e 0` in the same run.
// The runs are interleaved (baseline, plugin 1, plugin 2, …, repeat) so machine noise
// hits every subject alike. Usage: npm run bench:help [-- --runs 40]
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLUGINS } from '../scripts/plugins.ts';
import { median, percentile } from './stats.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;

const subjects: [string, string[]][] = [
  ['node -e 0 (baseline)', ['-e', '0']],
  ...PLUGINS.map((p): [string, string[]] => [`${p} --help`, [join(root, 'dist', p, 'index.js'), '--help']]),
];

// CPU time (user + system, from GNU time, 10 ms steps) swings far less with the machine's load
// than wall time does, so both are reported.
const hasTime = spawnSync('/usr/bin/time', ['-f', '%U %S', 'true'], { stdio: 'ignore' }).status === 0;
const times = new Map<string, number[]>(subjects.map(([name]) => [name, []]));
const cpu = new Map<string, number[]>(subjects.map(([name]) => [name, []]));
for (let i = 0; i < runs + 2; i++) {
  for (const [name, args] of subjects) {
    const t0 = process.hrtime.bigint();
    const r = hasTime
      ? spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...args], {
          stdio: ['ignore', 'ignore', 'pipe'],
        })
      : spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
    if (i < 2) continue; // the first two rounds warm the page cache
    times.get(name)?.push(ms);
    const [user = 0, sys = 0] = String(r.stderr).trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
    if (hasTime) cpu.get(name)?.push((user + sys) * 1000);
  }
}

const base = median(times.get(subjects[0]?.[0] as string) ?? []);
console.log(`node ${process.version}, ${runs} runs each, interleaved\n`);
const baseCpu = median(cpu.get(subjects[0]?.[0] as string) ?? [0]);
console.log(
  '| subject | median wall ms | p90 wall ms | wall over baseline | median CPU ms | CPU over baseline |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [name] of subjects) {
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
