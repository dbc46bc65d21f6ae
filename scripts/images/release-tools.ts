// A local stand-in for the release pipeline's tools image (Dockerfile.release: the Node base
// + `apt-get install podman git`), since apt cannot run in an offline build: the host is Debian
// 12 like the stand-in root filesystem, so its own `podman` and `git` and the shared libraries
// they load (ldd) that the root filesystem lacks are copied onto the node-slim stand-in (which
// carries the cached Node 24). Stored under the name the pipeline gives it, built once.
//   npx tsx scripts/images/release-tools.ts <name:tag>
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../../common/errors.ts';
import { baseRefs } from './base-refs.ts';
import { exists } from './image-store.ts';
import { cache, unpackedRootfs } from './inputs.ts';
import { podmanOk } from './podman.ts';
import { ensureStandIns } from './stand-ins.ts';

const TOOLS = ['podman', 'git'];
const LIB_DIR = 'usr/lib/x86_64-linux-gnu';

/** The host's path of a command. */
function which(command: string): string {
  return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim();
}

/** The shared libraries `binary` loads, by the file name it asks for and the host's path. */
function libraries(binary: string): Map<string, string> {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs = new Map<string, string>();
  for (const m of out.matchAll(/^\s*(\S+) => (\/\S+) \(/gm)) libs.set(m[1]!, m[2]!);
  return libs;
}

/** A build context: the tools in usr/bin, the libraries the root filesystem lacks in LIB_DIR. */
async function toolsContext(ctx: string, log: (line: string) => void): Promise<string[]> {
  const rootfs = await unpackedRootfs(log);
  mkdirSync(join(ctx, 'root', 'usr', 'bin'), { recursive: true });
  mkdirSync(join(ctx, 'root', LIB_DIR), { recursive: true });
  const added: string[] = [];
  for (const tool of TOOLS) {
    const path = which(tool);
    copyFileSync(path, join(ctx, 'root', 'usr', 'bin', basename(path)));
    for (const [name, host] of libraries(path)) {
      if (existsSync(join(rootfs, LIB_DIR, name)) || existsSync(join(ctx, 'root', LIB_DIR, name))) continue;
      copyFileSync(host, join(ctx, 'root', LIB_DIR, name));
      added.push(name);
    }
  }
  return added;
}

/** Builds the stand-in as `name` (e.g. docker.io/drone-gke-plugins/release-tools:1) when missing. */
export async function ensureReleaseTools(
  name: string,
  log: (line: string) => void = () => {},
): Promise<string> {
  if (await exists(name)) return name;
  await ensureStandIns(log);
  const node = baseRefs().find((b) => b.kind === 'node-slim');
  if (!node) throw new Error('no Node base image in the Dockerfiles');
  const ctx = join(cache(), 'context-release-tools');
  rmSync(ctx, { recursive: true, force: true });
  mkdirSync(ctx, { recursive: true });
  try {
    const added = await toolsContext(ctx, log);
    log(`release tools stand-in: ${TOOLS.join(', ')} and ${added.join(', ')} from the host`);
    writeFileSync(
      join(ctx, 'Containerfile'),
      [
        `FROM ${node.ref}`,
        'COPY root/ /',
        `RUN ${TOOLS.map((t) => `${t} --version`).join(' && ')} && node --version`,
        '',
      ].join('\n'),
    );
    await podmanOk(['build', '--pull=never', '--network', 'host', '-t', name, ctx]);
    return name;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const name = process.argv[2];
    if (!name) throw new Error('usage: npx tsx scripts/images/release-tools.ts <name:tag>');
    console.log(await ensureReleaseTools(name, (line) => console.log(line)));
  } catch (err) {
    console.error(errorMessage(err));
    process.exitCode = 1;
  }
}
