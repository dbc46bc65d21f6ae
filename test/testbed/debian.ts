// Debian packages the tests need, installed when missing — as the testbed builds its Go tools
// on first use, so `npm test` on a fresh machine sets itself up. Only as root (CI and these
// machines); anyone else gets the apt-get line to run. A package's system service is never
// started: a temporary policy-rc.d refuses it (the testbed runs its own processes).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';

export interface DebianPackage {
  /** The command the package provides, looked up on PATH and in /usr/sbin. */
  command: string;
  package: string;
}

const onPath = (cmd: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0 ||
  existsSync(`/usr/sbin/${cmd}`);

function aptGet(args: string[]): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const r = spawnSync('apt-get', args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed:\n${r.stderr || r.error}`);
}

/** Installs the packages whose command is missing (`apt-get update` once); throws with the line to run when not root. */
export function ensureDebianPackages(wanted: readonly DebianPackage[], log: (line: string) => void): void {
  const missing = wanted.filter((w) => !onPath(w.command)).map((w) => w.package);
  if (missing.length === 0) return;
  const line = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0)
    throw new Error(`${missing.join(', ')} missing: install them (as root: ${line})`);
  log(`installing ${missing.join(', ')} (Debian packages)…`);
  const policy = '/usr/sbin/policy-rc.d';
  const ours = !existsSync(policy);
  if (ours) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    aptGet(['update', '-qq']);
    aptGet(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  } finally {
    if (ours) rmSync(policy, { force: true });
  }
}
