// The platforms the plugin images are built for: linux/amd64 and linux/arm64, one manifest list
// per image. Building needs no emulation (the Dockerfiles' build stages run on the build host,
// the runtime stage only copies files); running an image of the other architecture (the image
// tests) needs the kernel's binfmt_misc with qemu-user-static registered for it.
//   DRONE_GKE_IMAGES_PLATFORMS=linux/amd64[,linux/arm64]   chooses (comma-separated)
// Unset: both for a release (the real bases, pulled: nothing needs running), else both when this
// machine can run arm64 binaries (the tests run them), else linux/amd64 alone (said in the log).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { ensureDebianPackages } from '../../test/testbed/debian.ts';

export const ALL_PLATFORMS = ['linux/amd64', 'linux/arm64'] as const;

/** Go's / OCI's architecture of a platform (linux/arm64 -> arm64). */
export const archOf = (platform: string): string => platform.slice(platform.indexOf('/') + 1);

/** The build host's platform, as OCI names it. */
export const hostPlatform = (): string => `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`;

const QEMU: Record<string, string> = { arm64: 'qemu-aarch64', amd64: 'qemu-x86_64' };
const BINFMT = '/proc/sys/fs/binfmt_misc';

/** Whether this machine runs binaries of `arch`: its own, or through an enabled qemu binfmt entry. */
export function canRun(arch: string): boolean {
  if (`linux/${arch}` === hostPlatform()) return true;
  const entry = `${BINFMT}/${QEMU[arch] ?? `qemu-${arch}`}`;
  return existsSync(entry) && readFileSync(entry, 'utf8').startsWith('enabled');
}

/** The platforms to build (see above); `log` hears when arm64 is left out and why. */
export function imagePlatforms(
  env = process.env,
  log: (line: string) => void = () => {},
  release = false,
): string[] {
  const asked = env['DRONE_GKE_IMAGES_PLATFORMS'];
  if (asked === undefined || asked === '') {
    if (release || canRun('arm64')) return [...ALL_PLATFORMS];
    log(
      'building linux/amd64 only: this machine cannot run arm64 binaries (no qemu-aarch64 in binfmt_misc); ' +
        'set DRONE_GKE_IMAGES_PLATFORMS=linux/amd64,linux/arm64 to build both anyway (docs/releasing.md)',
    );
    return ['linux/amd64'];
  }
  const list = asked.split(',').map((p) => p.trim());
  const known: readonly string[] = ALL_PLATFORMS;
  if (!list.includes('linux/amd64') || list.some((p) => !known.includes(p))) {
    throw new Error(
      `DRONE_GKE_IMAGES_PLATFORMS=${asked}: set it to linux/amd64 or linux/amd64,linux/arm64 (comma-separated)`,
    );
  }
  return ALL_PLATFORMS.filter((p) => list.includes(p));
}

/**
 * Makes this machine run arm64 binaries (as root, like the tests' other setup): installs
 * qemu-user-static and binfmt-support, mounts binfmt_misc when it is not, enables
 * qemu-aarch64. Throws, saying what is missing, when it cannot (e.g. a container that may not
 * mount binfmt_misc).
 */
export function ensureArm64Emulation(log: (line: string) => void = () => {}): void {
  if (canRun('arm64')) return;
  ensureDebianPackages(
    [
      { command: 'qemu-aarch64-static', package: 'qemu-user-static' },
      { command: 'update-binfmts', package: 'binfmt-support' },
    ],
    log,
  );
  const steps: [string, string[]][] = [];
  if (!existsSync(`${BINFMT}/register`)) steps.push(['mount', ['-t', 'binfmt_misc', 'binfmt_misc', BINFMT]]);
  steps.push(['update-binfmts', ['--enable', 'qemu-aarch64']]);
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0 && !canRun('arm64')) {
      throw new Error(
        `this machine cannot run arm64 binaries: \`${cmd} ${args.join(' ')}\` failed (${(r.stderr || r.error?.message || '').trim()}); ` +
          'the arm64 images need binfmt_misc mounted and qemu-aarch64 enabled (as root: apt-get install ' +
          'qemu-user-static binfmt-support; mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; ' +
          'update-binfmts --enable qemu-aarch64), or build linux/amd64 only: DRONE_GKE_IMAGES_PLATFORMS=linux/amd64',
      );
    }
  }
  if (!canRun('arm64')) throw new Error('qemu-aarch64 is registered but not enabled in binfmt_misc');
  log('arm64 binaries run here through qemu-aarch64 (binfmt_misc)');
}
