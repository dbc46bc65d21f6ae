// Podman for the image tests and the image benchmark, without touching the machine's own
// container configuration: the project's containers/containers.conf goes in through
// CONTAINERS_CONF, and the image store lives in a cache folder outside the repository,
//   ${DRONE_GKE_IMAGES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drone-gke-plugins/images}/storage
// through a generated CONTAINERS_STORAGE_CONF. Podman's run root must be short (podman 4.3
// refuses one over 50 characters when conmon's exit command cleans a container up; the
// symptom is every `podman run` taking 20 s), so it goes under the temp folder, named after
// a hash of the store.
//
// Remote mode: with CONTAINER_HOST set (unix://<socket> of a Podman API service, as in the
// release pipeline's steps, .drone.yml), every podman call is a remote client's call, and the
// store, its configuration and its run root are the service's. None of the above is passed
// then: the remote client refuses --tmpdir, and CONTAINERS_CONF / CONTAINERS_STORAGE_CONF
// would only describe a store it never opens.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebianPackages } from '../../test/testbed/debian.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONTAINERS_CONF = join(ROOT, 'containers', 'containers.conf');

export function imagesCacheDir(): string {
  const explicit = process.env['DRONE_GKE_IMAGES_CACHE'];
  if (explicit) return explicit;
  const base = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(base, 'drone-gke-plugins', 'images');
}

export function graphRoot(): string {
  return join(imagesCacheDir(), 'storage');
}

function runRoot(): string {
  const hash = createHash('sha256').update(graphRoot()).digest('hex').slice(0, 10);
  const preferred = join(tmpdir(), `dgp-podman-${hash}`);
  // Podman's limit is 50 characters; leave room.
  return preferred.length <= 40 ? preferred : `/tmp/dgp-podman-${hash}`;
}

/** podman is a remote client of the Podman service CONTAINER_HOST names (see above). */
export const remotePodman = (): boolean => Boolean(process.env['CONTAINER_HOST']);

let prepared: NodeJS.ProcessEnv | null = null;

/** The environment every podman call runs with (writes the storage configuration once). */
export function podmanEnv(): NodeJS.ProcessEnv {
  if (remotePodman()) return process.env;
  if (prepared) return prepared;
  const storageConf = join(imagesCacheDir(), 'storage.conf');
  mkdirSync(graphRoot(), { recursive: true });
  mkdirSync(runRoot(), { recursive: true, mode: 0o700 });
  writeFileSync(
    storageConf,
    [
      '# Written by scripts/images/podman.ts: the image store of npm run test:images.',
      '[storage]',
      'driver = "overlay"',
      `graphroot = ${JSON.stringify(graphRoot())}`,
      `runroot = ${JSON.stringify(join(runRoot(), 'run'))}`,
      '',
    ].join('\n'),
  );
  prepared = { ...process.env, CONTAINERS_CONF, CONTAINERS_STORAGE_CONF: storageConf };
  return prepared;
}

/** Global flags: podman's own temp state (exit files, locks) next to the run root. */
export function podmanGlobalArgs(): string[] {
  if (remotePodman()) return [];
  return ['--tmpdir', join(runRoot(), 'tmp')];
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  ms: number;
}

export interface PodmanOptions {
  /** Extra environment for podman itself (e.g. values that `-e NAME` passes into a container). */
  env?: NodeJS.ProcessEnv;
  /** Data for stdin. */
  input?: Buffer | string;
  timeoutMs?: number;
  /** Called with each chunk of output as it arrives (build logs). */
  onOutput?: (chunk: string) => void;
}

export function podman(args: readonly string[], opts: PodmanOptions = {}): Promise<Result> {
  return run('podman', [...podmanGlobalArgs(), ...args], { ...opts, env: { ...podmanEnv(), ...opts.env } });
}

/** Runs a command with exactly `opts.env` (or this process's env), capturing its output. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: PodmanOptions & { cwd?: string } = {},
): Promise<Result> {
  return new Promise((res, rej) => {
    const started = performance.now();
    const child = spawn(cmd, [...args], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      opts.onOutput?.(d.toString());
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onOutput?.(d.toString());
    });
    const timer =
      opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', rej);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      res({ code: code ?? (signal ? 128 : 1), stdout, stderr, ms: performance.now() - started });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Like podman(), but throws with the command's output when it fails. */
export async function podmanOk(args: readonly string[], opts: PodmanOptions = {}): Promise<string> {
  const r = await podman(args, opts);
  if (r.code !== 0) {
    throw new Error(`podman ${args.join(' ')} failed (exit ${r.code}):\n${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

/** Installs Podman, runc and debootstrap (Debian packages) when missing; a remote client needs Podman only. */
export async function ensurePackages(log: (line: string) => void = () => {}): Promise<void> {
  // A remote client runs no container itself and builds no root filesystem: podman alone.
  const commands = remotePodman() ? ['podman'] : ['podman', 'runc', 'debootstrap'];
  ensureDebianPackages(
    commands.map((command) => ({ command, package: command })),
    log,
  );
}
