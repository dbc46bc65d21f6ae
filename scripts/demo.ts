// The demo, for now: each plugin bundle answering --help, then refusing a bad setting the
// way it would in a Drone log. The local end-to-end demo (testbed clusters, bucket, Slack
// sink, deploy -> broken deploy -> automatic rollback) replaces this with issue #9.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLUGINS } from './plugins.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function show(title: string, args: string[], env: Record<string, string>): number {
  console.log(
    `\n$ ${Object.entries(env)
      .map(([k, v]) => `${k}=${JSON.stringify(v)} `)
      .join('')}node ${args.join(' ')}`,
  );
  const r = spawnSync(process.execPath, args, {
    stdio: 'inherit',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  console.log(`(${title}: exit code ${r.status})`);
  return r.status ?? 1;
}

let unexpected = 0;
for (const name of PLUGINS) {
  const entry = join('dist', name, 'index.js');
  console.log(`\n======== ${name} ========`);
  if (show('help', [entry, '--help'], {}) !== 0) unexpected++;
  const bad = { PLUGIN_TIMEOUT: 'soon', PLUGIN_DRY_RUN: 'yes', PLUGIN_WAIT_SECOND: '60' };
  if (show('bad settings, as a Drone step would show them', [entry], bad) !== 1) unexpected++;
}
process.chdir(root);
if (unexpected > 0) {
  console.error(`\ndemo: ${unexpected} command(s) did not exit as expected`);
  process.exit(1);
}
console.log('\ndemo: done. The full local pipeline demo arrives with issue #9.');
