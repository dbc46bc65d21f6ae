// The kubectl stand-in (stand-ins.ts): /bin/kubectl alone, from the same source the testbed
// builds it from. linux/amd64 is the testbed's own build; linux/arm64 is cross-compiled
// (GOARCH=arm64, no cgo) from the testbed's Go module, once, into the images cache folder.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTools, GO_DIR, kubeVersionFlags, TOOL_VERSIONS } from '../../test/testbed/tools.ts';
import { type BaseRef, baseRefs } from './base-refs.ts';
import { readImageFile } from './image-store.ts';
import { cache } from './inputs.ts';
import { podmanOk, run } from './podman.ts';

/** kubectl of the testbed's version for linux/<goarch>: the testbed's build, or a cross-compiled one. */
async function kubectlFor(goarch: string, log: (line: string) => void): Promise<string> {
  if (goarch === 'amd64') return (await ensureTools({ only: ['kubectl'], log })).kubectl;
  const version = TOOL_VERSIONS['kubernetes']!;
  const dir = join(cache(), `kubectl-linux-${goarch}-${version}`);
  if (existsSync(join(dir, 'kubectl'))) return join(dir, 'kubectl');
  const partial = `${dir}.partial-${process.pid}`;
  mkdirSync(partial, { recursive: true });
  log(`cross-compiling kubectl ${version} for linux/${goarch} (first run only, several minutes)…`);
  const ldflags = ['-s', '-w', ...kubeVersionFlags(version)].join(' ');
  const args = ['build', '-trimpath', '-buildvcs=false', '-ldflags', ldflags, '-o', join(partial, 'kubectl')];
  const env = { ...process.env, GOWORK: 'off', GOOS: 'linux', GOARCH: goarch, CGO_ENABLED: '0' };
  const r = await run('go', [...args, 'k8s.io/kubernetes/cmd/kubectl'], {
    env,
    cwd: join(GO_DIR, 'kubernetes'),
  });
  if (r.code !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(
      `cross-compiling kubectl failed (go build exit ${r.code}):\n${(r.stdout + r.stderr).slice(-3000)}`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return join(dir, 'kubectl');
}

/** The stand-in for one architecture (Go's name), imported as `built`. */
export async function kubectlStandIn(
  base: BaseRef,
  goarch: string,
  built: string,
  log: (line: string) => void,
): Promise<string> {
  const kubectl = await kubectlFor(goarch, log);
  const version = TOOL_VERSIONS['kubernetes'];
  if (version !== base.version) {
    log(
      `kubectl stand-in: the Dockerfile pins ${base.version}, the testbed builds ${version}; using the testbed's`,
    );
  }
  const dir = join(cache(), `kubectl-stand-in-${goarch}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(kubectl, join(dir, 'bin', 'kubectl'));
  chmodSync(join(dir, 'bin', 'kubectl'), 0o755);
  const tar = join(cache(), `kubectl-stand-in-${goarch}.tar`);
  const t = await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', dir, '-cf', tar, 'bin']);
  if (t.code !== 0) throw new Error(`tar of the kubectl stand-in failed: ${t.stderr}`);
  await podmanOk(['import', '--arch', goarch, '--change', 'ENTRYPOINT ["/bin/kubectl"]', tar, built]);
  rmSync(tar, { force: true });
  rmSync(dir, { recursive: true, force: true });
  return built;
}

/**
 * The sha256 of /bin/kubectl in the kubectl stand-in `ref` (the Dockerfile checks the
 * release's), read from the image itself, so a remote client (the release pipeline's steps)
 * gets it too. Default: the base reference (the build host's architecture, from a list).
 */
export async function standInKubectlSha256(ref?: string): Promise<string> {
  const base = baseRefs().find((b) => b.kind === 'kubectl');
  if (!base) throw new Error('no kubectl base image in the Dockerfiles');
  return createHash('sha256')
    .update(await readImageFile(ref ?? base.ref, '/bin/kubectl'))
    .digest('hex');
}
