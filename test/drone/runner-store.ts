// The Drone run's own image store, apart from the one the images are built in: a runner host's
// cache. It is emptied before each run, so every step's image is pulled from the registry by
// the name the pipeline gives it, and nothing built or pulled elsewhere on this machine can
// answer for it (Podman resolves a short name against every local image whose name ends the
// same way, which in the build store finds the builds under localhost/).
//   ${DRONE_GKE_IMAGES_CACHE:-…/images}/drone-runner/storage, run root under the temp folder.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imagesCacheDir, podmanEnv, run } from '../../scripts/images/podman.ts';

function paths(): { root: string; runRoot: string; tmp: string } {
  const root = join(imagesCacheDir(), 'drone-runner', 'storage');
  const hash = createHash('sha256').update(root).digest('hex').slice(0, 10);
  // Podman refuses a run root over 50 characters (scripts/images/podman.ts).
  const base = join(tmpdir(), `dgp-runner-${hash}`).length <= 40 ? tmpdir() : '/tmp';
  const runRoot = join(base, `dgp-runner-${hash}`);
  return { root, runRoot: join(runRoot, 'run'), tmp: join(runRoot, 'tmp') };
}

/** Global podman flags that select the runner's store. */
export function runnerStoreArgs(): string[] {
  const { root, runRoot, tmp } = paths();
  mkdirSync(root, { recursive: true });
  mkdirSync(runRoot, { recursive: true, mode: 0o700 });
  return ['--root', root, '--runroot', runRoot, '--tmpdir', tmp];
}

/** Removes every image (and any container left over) from the runner's store. */
export async function emptyRunnerStore(): Promise<void> {
  const args = runnerStoreArgs();
  await run('podman', [...args, 'rm', '--all', '--force'], { env: podmanEnv() });
  const r = await run('podman', [...args, 'rmi', '--all', '--force'], { env: podmanEnv() });
  if (r.code !== 0) throw new Error(`emptying the Drone run's image store failed: ${r.stderr.trim()}`);
}
