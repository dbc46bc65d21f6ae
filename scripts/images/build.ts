// Builds the four plugin images with podman, one at a time (the machine is small), on the
// stand-in base images (stand-ins.ts):
//   npx tsx scripts/images/build.ts [plugin...]
// For linux/amd64 and linux/arm64 (platforms.ts; DRONE_GKE_IMAGES_PLATFORMS=linux/amd64 for one):
// each platform's image is built and tagged <ref>-<arch>, and <ref> is the manifest list of them
// (a single platform: <ref> is the image itself). The build stages run on the build host.
// Each image's SBOM is copied out beside it, to dist/images/ (sbom.ts).
// DRONE_GKE_IMAGES_BASES=pull builds on the real base images, pulled by their pinned digests,
// with kubectl's release checksums: what a release publishes (.drone.yml, docs/releasing.md).
// It is the default in a Drone tag build (DRONE_BUILD_EVENT=tag, the release pipeline);
// DRONE_GKE_IMAGES_BASES=local, e.g. in a runner's global environment, keeps the stand-ins.
// npm in the build stage trusts the machine's extra CA: NODE_EXTRA_CA_CERTS, when set, goes
// in as the build secret `npm-ca` (mounted for the `npm ci` step only, in no layer).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../../common/errors.ts';
import { VERSION } from '../../common/help.ts';
import { PLUGINS, type PluginName } from '../plugins.ts';
import { baseRefs } from './base-refs.ts';
import { archOf, hostPlatform, imagePlatforms } from './platforms.ts';
import { podman, podmanOk, ROOT, remotePodman } from './podman.ts';
import { writeSbom } from './sbom.ts';
import { ensureStandIns, standInKubectlSha256, standInName } from './stand-ins.ts';

export const DOCKERFILE: Record<PluginName, string> = {
  'gke-deploy': 'Dockerfile.deploy',
  rollback: 'Dockerfile.deploy',
  'gcs-static-sync': 'Dockerfile.assets',
  'slack-notify': 'Dockerfile.notify',
};

/** The images are tagged with the one version every plugin prints (common/help.ts). */
export { VERSION };

/** Real, pulled base images instead of the local stand-ins (a release build, see above). */
export function pullBases(env: NodeJS.ProcessEnv = process.env): boolean {
  const asked = env['DRONE_GKE_IMAGES_BASES'];
  if (asked === undefined || asked === '') return env['DRONE_BUILD_EVENT'] === 'tag';
  if (asked === 'pull' || asked === 'local') return asked === 'pull';
  throw new Error(
    `DRONE_GKE_IMAGES_BASES=${asked}: set it to "pull" (the real bases) or "local" (the stand-ins)`,
  );
}

/** The platforms this build makes (platforms.ts; a release's are both, whatever the machine). */
export const buildPlatforms = (log: (line: string) => void = () => {}): string[] =>
  imagePlatforms(process.env, log, pullBases());

/** The image's name as published (podman stores it as localhost/<name>). */
export function imageName(plugin: PluginName): string {
  return `drone-gke-plugins/${plugin}`;
}

/** The local reference the tests and the benchmark run. */
export function imageRef(plugin: PluginName): string {
  return `localhost/${imageName(plugin)}:${VERSION}`;
}

/** One platform's image in a multi-platform build (the list, imageRef, holds them). */
export function platformRef(plugin: PluginName, platform: string): string {
  return `${imageRef(plugin)}-${archOf(platform)}`;
}

/** The runtime base (distroless) every plugin image starts from. */
export function runtimeBase(): string {
  const base = baseRefs().find((b) => b.kind === 'distroless');
  if (!base) throw new Error('no distroless base in the Dockerfiles');
  return base.ref;
}

/** The repository's web address for org.opencontainers.image.source (none without a remote). */
function source(): string {
  try {
    const url = execFileSync('git', ['remote', 'get-url', 'origin'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return url.replace(/^git@([^:]+):/, 'https://$1/').replace(/\.git$/, '');
  } catch {
    return '';
  }
}

function git(args: string[], fallback: string): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return fallback;
  }
}

const revision = () => git(['rev-parse', 'HEAD'], 'unknown');
/** org.opencontainers.image.created: the commit's time, so one commit always builds the same labels. */
const created = () => git(['log', '-1', '--format=%cI'], new Date(0).toISOString());

/**
 * The OCI labels that change with each commit or release, as --label flags. The Dockerfiles set
 * them from build arguments too (for a plain `docker build`), but buildah 1.28 (podman 4.3)
 * reuses a cached LABEL step whatever the arguments' values: an image built before with the
 * same sources kept the old revision and time. A --label flag is part of the cache lookup.
 */
function labelArgs(): string[] {
  const labels: Record<string, string> = {
    'org.opencontainers.image.version': VERSION,
    'org.opencontainers.image.revision': revision(),
    'org.opencontainers.image.created': created(),
    'org.opencontainers.image.source': source(),
  };
  return Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}

export interface BuildResult {
  plugin: PluginName;
  ref: string;
  ms: number;
}

/**
 * The stand-in kubectl's checksums as build arguments: it is the testbed's build from source,
 * not the release binary the Dockerfile's checksums are for; the check still runs against them.
 */
async function standInKubectlArgs(platforms: readonly string[]): Promise<string[]> {
  const args = ['--build-arg', `KUBECTL_SHA256_AMD64=${await standInKubectlSha256()}`];
  const kubectl = baseRefs().find((b) => b.kind === 'kubectl');
  if (kubectl && platforms.includes('linux/arm64')) {
    const sum = await standInKubectlSha256(standInName(kubectl, 'arm64'));
    args.push('--build-arg', `KUBECTL_SHA256_ARM64=${sum}`);
  }
  return args;
}

/** podman build's arguments for `plugin`, but the platform, the tags and the context. */
async function buildArgs(plugin: PluginName, platforms: readonly string[]): Promise<string[]> {
  const args = [
    'build',
    pullBases() ? '--pull=missing' : '--pull=never',
    '--network',
    'host',
    '--layers',
    '-f',
    join(ROOT, DOCKERFILE[plugin]),
    // Buildah 1.28 leaves BUILDPLATFORM unset; the Dockerfiles' build stages run on it.
    '--build-arg',
    `BUILDPLATFORM=${hostPlatform()}`,
    '--build-arg',
    `VERSION=${VERSION}`,
    '--build-arg',
    `REVISION=${revision()}`,
    '--build-arg',
    `CREATED=${created()}`,
    '--build-arg',
    `SOURCE=${source()}`,
    ...labelArgs(),
  ];
  if (DOCKERFILE[plugin] === 'Dockerfile.deploy') args.push('--build-arg', `PLUGIN=${plugin}`);
  if (DOCKERFILE[plugin] === 'Dockerfile.deploy' && !pullBases())
    args.push(...(await standInKubectlArgs(platforms)));
  const ca = process.env['NODE_EXTRA_CA_CERTS'];
  // Podman 4.3's remote client cannot send a build secret (the service fails to move it into
  // place): with CONTAINER_HOST, the Podman host's own network must reach the npm registry.
  if (ca && existsSync(ca) && !remotePodman()) args.push('--secret', `id=npm-ca,src=${ca}`);
  return args;
}

async function podmanBuild(plugin: PluginName, args: string[]): Promise<number> {
  const r = await podman([...args, ROOT]);
  if (r.code !== 0) {
    throw new Error(`building ${plugin} failed (exit ${r.code}):\n${(r.stdout + r.stderr).slice(-6000)}`);
  }
  return r.ms;
}

/** Takes `ref` off the manifest list it names, if one (an earlier build for several platforms). */
async function dropList(ref: string): Promise<boolean> {
  if ((await podman(['manifest', 'exists', ref])).code !== 0) return false;
  await podmanOk(['manifest', 'rm', ref]);
  return true;
}

/** `ref` becomes the manifest list of `images` (whatever it named before loses the name). */
async function makeList(ref: string, images: readonly string[]): Promise<void> {
  if (!(await dropList(ref)) && (await podman(['image', 'exists', ref])).code === 0) {
    await podmanOk(['untag', ref, ref]);
  }
  await podmanOk(['manifest', 'create', ref]);
  for (const image of images) await podmanOk(['manifest', 'add', ref, `containers-storage:${image}`]);
}

export async function buildImage(
  plugin: PluginName,
  log: (line: string) => void = () => {},
  platforms: readonly string[] = buildPlatforms(log),
): Promise<BuildResult> {
  const args = await buildArgs(plugin, platforms);
  const latest = `localhost/${imageName(plugin)}:latest`;
  let ms = 0;
  if (platforms.length === 1) {
    for (const name of [imageRef(plugin), latest]) await dropList(name);
    ms = await podmanBuild(plugin, [
      ...args,
      '--platform',
      platforms[0]!,
      '-t',
      imageRef(plugin),
      '-t',
      latest,
    ]);
  } else {
    for (const p of platforms)
      ms += await podmanBuild(plugin, [...args, '--platform', p, '-t', platformRef(plugin, p)]);
    await makeList(
      imageRef(plugin),
      platforms.map((p) => platformRef(plugin, p)),
    );
    await podmanOk(['tag', imageRef(plugin), latest]);
  }
  const sbom = await writeSbom(plugin, imageRef(plugin), VERSION);
  const what = `${imageRef(plugin)} (${platforms.join(', ')})`;
  log(`built ${what} in ${(ms / 1000).toFixed(1)} s; its SBOM also in ${sbom}`);
  return { plugin, ref: imageRef(plugin), ms };
}

/** Stand-ins first, then the images one by one. */
export async function buildAll(
  plugins: readonly PluginName[] = PLUGINS,
  log: (line: string) => void = () => {},
): Promise<BuildResult[]> {
  const platforms = buildPlatforms(log);
  if (!pullBases()) await ensureStandIns(log, platforms);
  const out: BuildResult[] = [];
  for (const p of plugins) out.push(await buildImage(p, log, platforms));
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const asked = process.argv.slice(2) as PluginName[];
  const unknown = asked.filter((a) => !(PLUGINS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`unknown plugin ${unknown.join(', ')}; expected one of ${PLUGINS.join(', ')}`);
    process.exit(1);
  }
  try {
    await buildAll(asked.length > 0 ? asked : PLUGINS, (line) => console.log(line));
  } catch (err) {
    console.error(errorMessage(err));
    process.exitCode = 1;
  }
}
