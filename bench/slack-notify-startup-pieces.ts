// Where slack-notify's start-up goes: each large dependency bundled on its own (as
// scripts/bundle.ts bundles the plugin) and run alone, measured as CPU time (user + sys, from
// GNU time) to exit, which swings less than wall time on a shared machine. The pieces:
// ajv loaded, ajv compiling slack-notify's schema (what readSettings does), execa (loaded by
// common/plugin.ts through common/exec.ts), @slack/webhook (fetch since v8; axios before), and handlebars.
// Usage: npx tsx bench/slack-notify-startup-pieces.ts [--runs 15]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { median } from './stats.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const GNU_TIME = '/usr/bin/time';
if (!existsSync(GNU_TIME)) throw new Error('needs GNU time at /usr/bin/time');

const settings = JSON.stringify(join(root, 'common', 'settings.ts'));
const schema = JSON.stringify(join(root, 'plugins', 'slack-notify', 'schema.ts'));
const pieces: [string, string][] = [
  ['node, empty module', ''],
  ['ajv loaded', "import { Ajv } from 'ajv'; new Ajv();"],
  [
    'ajv + compiling the slack-notify schema',
    `import { compileSchema } from ${settings}; import { schema } from ${schema}; compileSchema(schema);`,
  ],
  ['execa loaded', "import { execa } from 'execa'; if (process.env.X) console.log(execa);"],
  [
    '@slack/webhook loaded',
    "import { IncomingWebhook } from '@slack/webhook'; if (process.env.X) console.log(IncomingWebhook);",
  ],
  ['handlebars loaded', "import hb from 'handlebars'; if (process.env.X) console.log(hb);"],
];

const dir = mkdtempSync(join(tmpdir(), 'slack-notify-pieces-'));
const banner = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";
const files: string[] = [];
for (const [i, [, source]] of pieces.entries()) {
  const entry = join(dir, `piece${i}.ts`);
  writeFileSync(entry, source);
  const outfile = join(dir, `piece${i}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    banner: { js: banner },
    nodePaths: [join(root, 'node_modules')],
    logLevel: 'error',
  });
  files.push(outfile);
}

const cpu = new Map<number, number[]>();
const out = join(dir, 'cpu');
for (let r = 0; r < runs + 1; r++) {
  for (const [i, file] of files.entries()) {
    // A clean environment: under tsx, NODE_OPTIONS would load tsx into every child too.
    const res = spawnSync(GNU_TIME, ['-f', '%U %S', '-o', out, process.execPath, file], {
      stdio: 'ignore',
      env: { PATH: process.env.PATH ?? '' },
    });
    if (res.status !== 0) throw new Error(`${pieces[i]?.[0]} exited ${res.status}`);
    const [u = 0, s = 0] = readFileSync(out, 'utf8').trim().split(/\s+/).map(Number);
    if (r > 0) cpu.set(i, [...(cpu.get(i) ?? []), (u + s) * 1000]);
  }
}
rmSync(dir, { recursive: true, force: true });

const base = median(cpu.get(0) ?? []);
console.log(`node ${process.version}, ${runs} runs each (GNU time counts in 10 ms steps)\n`);
console.log('| piece (bundled alone) | CPU ms to exit (median) | over an empty module |');
console.log('| --- | --- | --- |');
for (const [i, [name]] of pieces.entries()) {
  const m = median(cpu.get(i) ?? []);
  console.log(`| ${name} | ${m.toFixed(0)} | +${(m - base).toFixed(0)} ms |`);
}
