// The printed rollback command, run as printed: a `docker` shim that runs the rollback
// bundle in place of the image, and sh to run the command line. (Moved here from
// namespaces.test.ts so that the private-mode test runs it the same way.)
import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLLBACK_IMAGE } from '../../../plugins/gke-deploy/report.ts';

/**
 * A `docker` for `docker run --rm -e K=V … <rollback image>`: runs the rollback bundle with
 * the -e variables (and `-e K` taken from its own environment, as docker does), plus what
 * stands in for the world around the image: kubectl on PATH and the testbed's Google
 * endpoints (DOCKER_SHIM_WORLD, JSON). Anything else it is asked to do is a failure.
 */
export function dockerShim(dir: string, bundle: string): void {
  const script = `#!${process.execPath}
const { spawnSync } = require('node:child_process');
const args = process.argv.slice(2);
const fail = (why) => { process.stderr.write('docker shim: ' + why + '\\n'); process.exit(125); };
if (args[0] !== 'run' || args[1] !== '--rm') fail('expected "run --rm", got ' + JSON.stringify(args));
const env = JSON.parse(process.env.DOCKER_SHIM_WORLD);
let i = 2;
for (; args[i] === '-e'; i += 2) {
  const kv = args[i + 1];
  if (kv === undefined) fail('-e without a value');
  const eq = kv.indexOf('=');
  if (eq < 0) env[kv] = process.env[kv] ?? '';
  else env[kv.slice(0, eq)] = kv.slice(eq + 1);
}
if (i !== args.length - 1 || args[i] !== ${JSON.stringify(ROLLBACK_IMAGE)})
  fail('expected only -e options and then ${ROLLBACK_IMAGE}, got ' + JSON.stringify(args.slice(i)));
const r = spawnSync(process.execPath, [${JSON.stringify(bundle)}], { env, stdio: 'inherit' });
process.exit(r.status ?? 1);
`;
  writeFileSync(join(dir, 'docker'), script);
  chmodSync(join(dir, 'docker'), 0o755);
}

/** Runs `command` with sh in `cwd`, the docker shim first on PATH. */
export function sh(
  command: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { cwd, env, timeout: 180_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
