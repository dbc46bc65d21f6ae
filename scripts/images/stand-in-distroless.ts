// The distroless stand-in (stand-ins.ts): the files of a few Debian packages, the CA bundle,
// the distroless users and Node in /nodejs, as one layer; for linux/amd64 picked out of the
// debootstrap'ed root filesystem by the packages' file lists, for linux/arm64 unpacked from the
// packages' arm64 .debs (a foreign debootstrap has no dpkg database to list them). Nothing of
// the other architecture runs.
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
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { BaseRef } from './base-refs.ts';
import { cache, foreignDebs, nodeDist, unpackedRootfs } from './inputs.ts';
import { podmanOk, run } from './podman.ts';

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

const CA_BUNDLE = 'etc/ssl/certs/ca-certificates.crt';

/** tar of `rootfsArgs` (tar arguments naming the Debian files) + the extra files, imported as `built`. */
async function importDistroless(
  base: BaseRef,
  arch: string,
  rootfsArgs: string[],
  node: string,
  built: string,
): Promise<string> {
  const extra = join(cache(), `distroless-extra-${base.version}-${arch}`);
  distrolessExtra(extra, node);
  const tar = join(cache(), `distroless-${base.version}-${arch}.tar`);
  const extraFiles = ['etc/passwd', 'etc/group', 'home', 'root', 'tmp', 'nodejs'];
  const t = await run('tar', [
    '--numeric-owner',
    '-cf',
    tar,
    ...rootfsArgs,
    '-C',
    extra,
    '--recursion',
    ...extraFiles,
  ]);
  if (t.code !== 0) throw new Error(`tar of the distroless stand-in failed: ${t.stderr}`);
  const config = [...DISTROLESS_CONFIG.flatMap((c) => ['--change', c]), '--arch', arch];
  await podmanOk(['import', ...config, tar, built]);
  rmSync(tar, { force: true });
  rmSync(extra, { recursive: true, force: true });
  return built;
}

/** The linux/amd64 stand-in, named `built` (not yet by the base's reference). */
export async function distrolessAmd64(
  base: BaseRef,
  built: string,
  log: (line: string) => void,
): Promise<string> {
  const rootfs = await unpackedRootfs(log);
  const list = join(cache(), `distroless-files-${base.version}.txt`);
  writeFileSync(list, `${distrolessFiles(rootfs).join('\n')}\n`);
  const node = await nodeDist(base.version, log);
  return importDistroless(base, 'amd64', ['-C', rootfs, '--no-recursion', '-T', list], node, built);
}

/** The linux/arm64 stand-in: the packages unpacked from their arm64 .debs, the CA bundle (text) from the amd64 root filesystem. */
export async function distrolessArm64(
  base: BaseRef,
  built: string,
  log: (line: string) => void,
): Promise<string> {
  const debs = await foreignDebs('arm64', log);
  const rootfs = join(cache(), `distroless-rootfs-${base.version}-arm64`);
  rmSync(rootfs, { recursive: true, force: true });
  mkdirSync(join(rootfs, dirname(CA_BUNDLE)), { recursive: true });
  const files = readdirSync(debs);
  for (const pkg of DISTROLESS_PACKAGES) {
    const deb = files.find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
    if (!deb) throw new Error(`package ${pkg} is not among the arm64 packages in ${debs}`);
    const r = await run('dpkg-deb', ['-x', join(debs, deb), rootfs]);
    if (r.code !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${r.stderr}`);
  }
  copyFileSync(join(await unpackedRootfs(log), CA_BUNDLE), join(rootfs, CA_BUNDLE));
  // base-files' own /home, /root and /tmp: distrolessExtra makes them (one layer has no duplicates).
  for (const dir of ['home', 'root', 'tmp']) rmSync(join(rootfs, dir), { recursive: true, force: true });
  const node = await nodeDist(base.version, log, 'arm64');
  await importDistroless(base, 'arm64', ['-C', rootfs, '.'], node, built);
  rmSync(rootfs, { recursive: true, force: true });
  return built;
}
