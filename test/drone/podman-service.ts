// Podman's Docker-compatible API for `drone exec`: `podman system service` on a unix socket in a
// private temp folder, with the project's Podman setup (containers/containers.conf and the image
// store of `npm run test:images`, from scripts/images/podman.ts), so the images that the image
// tests built are the ones Drone runs. Started and stopped by whoever uses it; nothing is left
// behind but what `stop()` could not kill.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { podmanEnv, podmanGlobalArgs } from '../../scripts/images/podman.ts';

export interface PodmanService {
  /** `unix://…`, for DOCKER_HOST. */
  dockerHost: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

/** GET on the socket; the status code, or 0 when nothing answers. */
function ping(socketPath: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
    req.end();
  });
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export interface PodmanServiceOptions {
  timeoutMs?: number;
  /** More environment for the service (a private registries.conf, an auth file: registry-mirror.ts). */
  env?: NodeJS.ProcessEnv;
  /** Global podman flags in place of the image tests' store (runner-store.ts: another store). */
  globalArgs?: string[];
}

export async function startPodmanService(opts: PodmanServiceOptions = {}): Promise<PodmanService> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'dgp-drone-podman-'));
  const socketPath = join(dir, 'podman.sock');
  const logFile = join(dir, 'service.log');
  const out = openSync(logFile, 'a');
  const child = spawn(
    'podman',
    // info: the service logs every refused request, the only trace of an image or a container
    // that drone exec could not use (it exits 1 without a word).
    [
      ...(opts.globalArgs ?? podmanGlobalArgs()),
      '--log-level=info',
      'system',
      'service',
      '--time=0',
      `unix://${socketPath}`,
    ],
    { env: { ...podmanEnv(), ...opts.env }, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const stop = async () => {
    if (child.pid !== undefined && !(await exited(child, 0))) {
      child.kill('SIGTERM');
      if (!(await exited(child, 10_000))) {
        child.kill('SIGKILL');
        await exited(child, 5000);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failed = await Promise.race([spawnError, sleep(250).then(() => null)]);
    if (failed) {
      await stop();
      throw new Error(`podman system service could not start: ${failed.message}`);
    }
    if (child.exitCode !== null) {
      const log = readFileSync(logFile, 'utf8').trim();
      await stop();
      throw new Error(`podman system service exited with ${child.exitCode}:\n${log}`);
    }
    if ((await ping(socketPath)) === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`podman system service did not answer on ${socketPath} within ${timeoutMs} ms`);
    }
  }
  return { dockerHost: `unix://${socketPath}`, pid: child.pid ?? 0, logFile, stop };
}
