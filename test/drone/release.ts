// The project's release pipeline (.drone.yml, `release`), unchanged, through `drone exec` on a
// tag event, as a Drone runner host would run it:
//   - the workspace is a clone of this checkout at HEAD, with its uncommitted changes on top
//     (drone exec mounts the current folder as the workspace instead of cloning);
//   - the steps' image, the tools image, is a local stand-in (scripts/images/release-tools.ts)
//     stored under the name the file gives it, so it is not pulled;
//   - the Docker API is a Podman service on the image store of `npm run test:images` (its
//     stand-in bases and its layer cache), trusting the testbed CA (the registry's), behind the
//     proxy that puts the steps on the host's network and mounts that service's socket where
//     the file mounts the runner host's (/run/podman/podman.sock, host-network.ts);
//   - `--trusted` (the file mounts a host path), `--secret-file` (registry, registry_username,
//     registry_password: the testbed registry), `--env-file`: DRONE_GKE_IMAGES_BASES=local (the
//     stand-in bases, which a tag build would otherwise pull), npm offline on the host's npm
//     cache (`--volume`), so `npm ci` does not go to the network, and NODE_EXTRA_CA_CERTS, the
//     testbed CA (`--volume`), which the push step's Node needs to ask the registry for digests;
//   - nothing is excluded: the test-images step runs the image checks that need no testbed
//     (`npm run test:images:checks`) on the images the build step made, through the service.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { VERSION } from '../../scripts/images/build.ts';
import { ensureReleaseTools } from '../../scripts/images/release-tools.ts';
import { ensureStandIns } from '../../scripts/images/stand-ins.ts';
import { PLUGINS } from '../../scripts/plugins.ts';
import { testbedRegistry } from '../images/registry.ts';
import type { TestbedState } from '../testbed/state.ts';
import { ensureDroneCli } from './drone-cli.ts';
import { type HostNetworkProxy, startHostNetworkProxy } from './host-network.ts';
import { envFile, ROOT, type RunResult, spawnLines } from './pipeline.ts';
import { type PodmanService, startPodmanService } from './podman-service.ts';

export const RELEASE_FILE = join(ROOT, '.drone.yml');
/** Where the host's npm cache is mounted in the steps. */
const NPM_CACHE_IN_CONTAINER = '/npm-cache';
/** Where the testbed CA bundle is mounted in the steps (the push asks the registry's API). */
const CA_IN_CONTAINER = '/etc/drone-testbed/ca.pem';

interface ReleaseDoc {
  name: string;
  volumes: { name: string; host: { path: string } }[];
  steps: { name: string; image: string }[];
}

/** The release pipeline of the project's .drone.yml. */
export function releasePipeline(): ReleaseDoc {
  const docs = parseAllDocuments(readFileSync(RELEASE_FILE, 'utf8')).map((d) => d.toJS() as ReleaseDoc);
  const release = docs.find((d) => d.name === 'release');
  if (!release) throw new Error('.drone.yml has no release pipeline');
  return release;
}

/** The tools image as Docker reads the name the file gives it (Docker Hub's). */
export function toolsImage(): string {
  const image = releasePipeline().steps[0]!.image;
  return image.split('/')[0]!.includes('.') ? image : `docker.io/${image}`;
}

/** A clone of this checkout at HEAD, plus what is changed and not committed yet. */
function releaseWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dgp-release-ws-'));
  const git = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });
  git(ROOT, ['clone', '--quiet', '--no-hardlinks', ROOT, dir]);
  git(dir, ['remote', 'remove', 'origin']); // not a path of this machine in the images' labels
  const changed = git(ROOT, ['ls-files', '-z', '--modified', '--others', '--exclude-standard']);
  for (const file of changed.split('\0').filter(Boolean)) {
    if (existsSync(join(ROOT, file)) && statSync(join(ROOT, file)).isFile())
      cpSync(join(ROOT, file), join(dir, file));
    else rmSync(join(dir, file), { force: true });
  }
  return dir;
}

/** The manifests pushed to the testbed registry (its access log) after `offset` bytes of it. */
export function registryPushes(tb: TestbedState, offset = 0): string[] {
  const text = readFileSync(join(tb.logDir, 'registry.log')).subarray(offset).toString('utf8');
  return [...text.matchAll(/"PUT \/v2\/(\S+)\/manifests\/(\S+) HTTP\/[\d.]+" 201 /g)].map(
    ([, repo, ref]) => `${repo}:${ref}`,
  );
}

export interface ReleaseRun extends RunResult {
  /** What the registry stored during the run: `<repo>:<tag>`. */
  pushed: string[];
  /** Each plugin's digest as the push step printed it. */
  digests: Record<string, string>;
  /** The commit the workspace was at. */
  revision: string;
  /** The Podman service's last refusals (drone exec does not print why a container failed). */
  refused: string;
}

/** drone exec of the release pipeline for `tag`, the run set up as the header says. */
/** drone exec's arguments for the release, its secret and env files written into `dir`. */
function releaseArgs(tb: TestbedState, dir: string): string[] {
  const access = testbedRegistry(tb);
  const secrets = envFile({
    registry: access.registry,
    registry_username: access.username!,
    registry_password: access.password!,
  });
  writeFileSync(join(dir, 'secrets.env'), secrets, { mode: 0o600 });
  const runner = envFile({
    DRONE_GKE_IMAGES_BASES: 'local',
    npm_config_cache: NPM_CACHE_IN_CONTAINER,
    npm_config_offline: 'true',
    NODE_EXTRA_CA_CERTS: CA_IN_CONTAINER,
  });
  writeFileSync(join(dir, 'runner.env'), runner, { mode: 0o600 });
  const npmCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  return [
    'exec',
    ...['--pipeline', 'release', '--event', 'tag', '--trusted', '--pretty=false'],
    ...['--secret-file', join(dir, 'secrets.env'), '--env-file', join(dir, 'runner.env')],
    ...[
      '--volume',
      `${npmCache}:${NPM_CACHE_IN_CONTAINER}`,
      '--volume',
      `${tb.ca.bundle}:${CA_IN_CONTAINER}`,
    ],
    '.drone.yml',
  ];
}

/** The Podman service's last refusals: drone exec does not say why a container failed. */
const refusals = (logFile: string): string =>
  readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => /Request Failed|level=error/.test(l))
    .slice(-10)
    .join('\n');

/** drone exec of the release pipeline for `tag`, the run set up as the header says. */
export async function runRelease(
  tb: TestbedState,
  tag: string,
  log: (line: string) => void,
): Promise<ReleaseRun> {
  const drone = await ensureDroneCli(log);
  await ensureStandIns(log);
  await ensureReleaseTools(toolsImage(), log);
  const hostSocket = releasePipeline().volumes[0]!.host.path;
  const workspace = releaseWorkspace();
  const files = mkdtempSync(join(tmpdir(), 'dgp-release-secrets-'));
  let service: PodmanService | undefined;
  let proxy: HostNetworkProxy | undefined;
  try {
    service = await startPodmanService({ env: { SSL_CERT_FILE: tb.ca.bundle } });
    const socket = service.dockerHost.replace(/^unix:\/\//, '');
    proxy = await startHostNetworkProxy(socket, { [hostSocket]: socket });
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? tmpdir(),
      DOCKER_HOST: proxy.dockerHost,
      DRONE_TAG: tag,
    };
    const args = releaseArgs(tb, files);
    const registryLog = statSync(join(tb.logDir, 'registry.log')).size;
    const started = Date.now();
    const r = await spawnLines(drone, args, { cwd: workspace, env, timeoutMs: 30 * 60_000, onLine: log });
    return {
      ...r,
      ms: Date.now() - started,
      refused: refusals(service.logFile),
      pushed: registryPushes(tb, registryLog),
      digests: printedDigests(r.output),
      revision: execFileSync('git', ['rev-parse', 'HEAD'], { cwd: workspace, encoding: 'utf8' }).trim(),
    };
  } finally {
    await proxy?.stop();
    await service?.stop();
    rmSync(files, { recursive: true, force: true });
    rmSync(workspace, { recursive: true, force: true });
  }
}

/** publish.ts's lines `<registry>/<plugin>:<version>@<digest> (<tags>)`. */
function printedDigests(output: string): Record<string, string> {
  const digests: Record<string, string> = {};
  const line = new RegExp(
    `^\\[push:\\d+\\] \\S+/([a-z-]+):${VERSION.replace(/\./g, '\\.')}@(sha256:[0-9a-f]{64}) `,
    'gm',
  );
  for (const [, plugin, digest] of output.matchAll(line)) digests[plugin!] = digest!;
  return digests;
}

/** A run's output and the Podman service's refusals, for an assertion's message. */
export const explainRelease = (r: ReleaseRun): string => `${r.output}--- podman service ---\n${r.refused}`;

let released: { host: string; run: Promise<ReleaseRun> } | undefined;

/**
 * The release of package.json's version (tag v<version>), run once per test process: the
 * images every Drone run of this process pulls. Throws when the run fails.
 */
export function releaseImages(tb: TestbedState, log: (line: string) => void): Promise<ReleaseRun> {
  if (released?.host !== tb.registry.host) {
    const run = runRelease(tb, `v${VERSION}`, log).then((r) => {
      if (r.code !== 0)
        throw new Error(`the release pipeline failed (exit ${r.code}):\n${explainRelease(r)}`);
      const missing = PLUGINS.filter((p) => !r.digests[p]);
      if (missing.length > 0) throw new Error(`no digest printed for ${missing.join(', ')}:\n${r.output}`);
      log(`release v${VERSION} through drone exec: ${(r.ms / 1000).toFixed(1)} s`);
      return r;
    });
    released = { host: tb.registry.host, run };
  }
  return released.run;
}
