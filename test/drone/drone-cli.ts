// Builds drone-cli (`drone exec`) once per pinned version, the way test/testbed/tools.ts builds
// the testbed's Go programs: the wrapper module test/drone/go/ pins the version (go.mod, with
// drone-cli's own `replace` of github.com/docker/docker repeated, since a replace only counts in
// the main module) and its checksums (go.sum); the binary goes to
//   ${DRONE_GKE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/drone-gke-plugins/tools}/drone-cli-<version>/drone
//
// Run as a script (`npx tsx test/drone/drone-cli.ts`) it builds it and prints the path.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { lock, run as runCommand, toolsCacheDir } from '../testbed/tools.ts';

const MODULE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'go');
const MODULE = 'github.com/drone/drone-cli';
const STAMP = '.complete';

/** The drone-cli version that test/drone/go/go.mod requires. */
export function droneCliVersion(): string {
  const text = readFileSync(join(MODULE_DIR, 'go.mod'), 'utf8');
  const m = /^\s*(?:require\s+)?github\.com\/drone\/drone-cli\s+(v\S+)/m.exec(text);
  if (!m?.[1]) throw new Error(`test/drone/go/go.mod does not require ${MODULE}`);
  return m[1];
}

export function droneCliPath(): string {
  return join(toolsCacheDir(), `drone-cli-${droneCliVersion()}`, 'drone');
}

function isBuilt(): boolean {
  return existsSync(droneCliPath()) && existsSync(join(dirname(droneCliPath()), STAMP));
}

/** The path of the `drone` binary, built first when the cache does not have it. */
export async function ensureDroneCli(log: (line: string) => void = (l) => console.error(l)): Promise<string> {
  if (isBuilt()) return droneCliPath();
  const version = droneCliVersion();
  const dir = dirname(droneCliPath());
  mkdirSync(dirname(dir), { recursive: true });
  const release = await lock(dir, 'drone-cli', log);
  try {
    if (isBuilt()) return droneCliPath();
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    log(`building drone-cli ${version} (first run only, one to four minutes)…`);
    const started = Date.now();
    const env = {
      ...process.env,
      // A go.work above the repository must not change what is built.
      GOWORK: 'off',
      // The checksum database has no entries for drone's modules; go.sum pins them instead.
      GONOSUMDB: 'github.com/drone,github.com/drone-runners',
    };
    const r = await runCommand(
      'go',
      [
        'build',
        '-trimpath',
        '-buildvcs=false',
        '-ldflags',
        `-s -w -X main.version=${version.replace(/^v/, '')}`,
        '-o',
        join(partial, 'drone'),
        `${MODULE}/drone`,
      ],
      MODULE_DIR,
      env,
    );
    if (r.code !== 0) {
      rmSync(partial, { recursive: true, force: true });
      const tail = r.out.trimEnd().split('\n').slice(-30).join('\n');
      throw new Error(`building drone-cli ${version} failed (go build exit ${r.code}):\n${tail}`);
    }
    writeFileSync(join(partial, STAMP), `${new Date().toISOString()}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
    log(`built drone-cli ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
    return droneCliPath();
  } finally {
    release();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    console.log(await ensureDroneCli((line) => console.log(line)));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
  }
}
