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

const times = new Map<string, number[]>(subjects.map(([name]) => [name, []]));
for (let i = 0; i < runs + 2; i++) {
  for (const [name, args] of subjects) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
    if (i >= 2) times.get(name)?.push(ms); // the first two rounds warm the page cache
  }
}

const base = median(times.get(subjects[0]?.[0] as string) ?? []);
console.log(`node ${process.version}, ${runs} runs each, interleaved\n`);
console.log('| subject | median ms | p90 ms | median over baseline |');
console.log('| --- | --- | --- | --- |');
for (const [name] of subjects) {
  const xs = times.get(name) ?? [];
  const m = median(xs);
  console.log(
    `| ${name} | ${m.toFixed(1)} | ${percentile(xs, 90).toFixed(1)} | +${(m - base).toFixed(1)} ms |`,
  );
}
