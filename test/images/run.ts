// Running the plugin images with podman the way a Drone runner starts a plugin step, for the
// image tests and the image benchmark.
import { chmodSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { podman, podmanOk, type Result } from '../../scripts/images/podman.ts';

export interface Inspect {
  Size: number;
  Architecture: string;
  Config: { User?: string; Entrypoint?: string[]; Cmd?: string[] | null; Labels?: Record<string, string> };
  RootFS: { Layers: string[] };
}

export async function inspect(ref: string): Promise<Inspect> {
  return (JSON.parse(await podmanOk(['image', 'inspect', ref])) as Inspect[])[0]!;
}

/** A folder the container's user (65532) can read and write, as Drone's workspace would be. */
export function openDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `images-${prefix}-`));
  chmodSync(dir, 0o777);
  return dir;
}

export function openTree(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, entry);
    chmodSync(p, statSync(p).isDirectory() ? 0o777 : 0o666);
  }
  chmodSync(dir, 0o777);
}

export interface RunOptions {
  /** Environment for the container, passed as `-e NAME` so no value is on podman's command line. */
  env?: Record<string, string>;
  /** Host folder mounted at /drone/src, the working folder. */
  workspace?: string;
  /** Host file mounted read-only at /etc/testbed/ca.pem and named by NODE_EXTRA_CA_CERTS. */
  ca?: string;
  args?: string[];
  readOnly?: boolean;
  entrypoint?: string;
  /** The image's platform (linux/arm64 runs through qemu), when not the host's. */
  platform?: string;
  /** A container name, for `podman stop` / `podman kill` while it runs. */
  name?: string;
}

/** `podman run` of an image the way a Drone runner starts a plugin step. */
export function runImage(ref: string, opts: RunOptions = {}): Promise<Result> {
  const env = { ...opts.env };
  const args = ['run', '--rm', '--pull=never', '--network', 'host'];
  if (opts.readOnly !== false) args.push('--read-only', '--tmpfs', '/tmp:rw,nosuid,nodev,size=64m');
  if (opts.workspace) args.push('-v', `${opts.workspace}:/drone/src`, '-w', '/drone/src');
  if (opts.ca) {
    args.push('-v', `${opts.ca}:/etc/testbed/ca.pem:ro`);
    env['NODE_EXTRA_CA_CERTS'] = '/etc/testbed/ca.pem';
  }
  for (const name of Object.keys(env)) args.push('-e', name);
  if (opts.entrypoint) args.push('--entrypoint', opts.entrypoint);
  if (opts.name) args.push('--name', opts.name);
  if (opts.platform) args.push('--platform', opts.platform);
  args.push(ref, ...(opts.args ?? []));
  return podman(args, { env, timeoutMs: 240_000 });
}

export const out = (r: Result) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
