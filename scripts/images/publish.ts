// Pushes the built plugin images to a registry under their release tags:
//   npx tsx scripts/images/publish.ts --registry <host[:port]/path> [--tag vX.Y.Z] [plugin...]
//   npx tsx scripts/images/publish.ts --check-tag vX.Y.Z      (only the tag check, nothing pushed)
// Each image goes to <registry>/<plugin>, tagged X.Y.Z, X.Y, X and latest from package.json's
// version (a pre-release such as 1.2.0-rc.1 only under its own tag). --tag (the git tag, e.g.
// DRONE_TAG) must name that version: a tag without its version bump is refused. Credentials come from REGISTRY_USERNAME and
// REGISTRY_PASSWORD (none: the registry's own login, e.g. `podman login`); REGISTRY_CERT_DIR
// names a folder of CA certificates (*.crt) to trust for that registry, in place of the
// system's. Prints one line per image: its name and the digest every tag points at. An image
// built for several platforms (build.ts: a manifest list) is pushed as the list with all its
// images (podman manifest push --all), and the digest printed is the list's.
// With a remote Podman (CONTAINER_HOST, the release pipeline), the Podman service pushes and
// must trust the registry itself (REGISTRY_CERT_DIR is refused: the remote client has no
// --cert-dir), and the digest is asked of the registry's API (nor has it --digestfile): Node
// must trust the registry too (NODE_EXTRA_CA_CERTS for a private CA).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { errorMessage } from '../../common/errors.ts';
import { PLUGINS, type PluginName } from '../plugins.ts';
import { imageRef, VERSION } from './build.ts';
import { podman, podmanOk, remotePodman } from './podman.ts';
import { manifestDigest } from './registry-api.ts';

export interface RegistryAccess {
  /** host[:port]/path: the images are <registry>/<plugin>. */
  registry: string;
  username?: string;
  password?: string;
  /** Folder of CA certificates for this registry (podman --cert-dir). */
  certDir?: string;
}

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;

/** X.Y.Z, X.Y, X, latest for a release; a pre-release only under its own tag. */
export function releaseTags(version: string): string[] {
  const m = SEMVER.exec(version);
  if (!m) throw new Error(`version ${JSON.stringify(version)} is not X.Y.Z: fix package.json's version`);
  if (m[4]) return [version];
  return [version, `${m[1]}.${m[2]}`, m[1]!, 'latest'];
}

export const registryImage = (registry: string, plugin: PluginName, tag: string): string =>
  `${registry.replace(/\/+$/, '')}/${plugin}:${tag}`;

/** The registry's host[:port]: the key of its login in an auth file. */
const registryHost = (registry: string): string => registry.split('/')[0]!;

/**
 * Runs `fn` with podman's flags for a registry: --authfile (a private auth file holding the
 * login, removed afterwards) and --cert-dir when given. The password never goes on a command
 * line, where any process of the machine could read it (/proc/<pid>/cmdline).
 */
export async function withAccessFlags<T>(
  access: RegistryAccess,
  /** `dir`: the call's private temporary folder, removed afterwards (for podman's output files). */
  fn: (flags: string[], dir: string) => Promise<T>,
): Promise<T> {
  if (access.certDir && remotePodman()) {
    throw new Error(
      'REGISTRY_CERT_DIR cannot be used with a remote Podman (CONTAINER_HOST): make the Podman ' +
        "service's host trust the registry's CA instead",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'dgp-push-'));
  try {
    const flags: string[] = [];
    if (access.username) {
      const auth = Buffer.from(`${access.username}:${access.password ?? ''}`).toString('base64');
      const file = join(dir, 'auth.json');
      writeFileSync(file, JSON.stringify({ auths: { [registryHost(access.registry)]: { auth } } }), {
        mode: 0o600,
      });
      flags.push('--authfile', file);
    }
    if (access.certDir) flags.push('--cert-dir', access.certDir);
    return await fn(flags, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** podman's push command for `source`: an image, or a manifest list with all its images. */
async function pushCommand(source: string): Promise<string[]> {
  const list = (await podman(['manifest', 'exists', source])).code === 0;
  // A list goes out as an OCI image index (podman would keep the Docker list type it created).
  return list ? ['manifest', 'push', '--all', '--format', 'oci'] : ['push'];
}

/** Pushes one local image (or list) under every tag; returns the digest the registry stored. */
export function pushImage(
  plugin: PluginName,
  access: RegistryAccess,
  tags: readonly string[],
  source = imageRef(plugin),
): Promise<string> {
  return withAccessFlags(access, async (flags, dir) => {
    const push = await pushCommand(source);
    if (remotePodman()) {
      for (const tag of tags) {
        const target = registryImage(access.registry, plugin, tag);
        await podmanOk([...push, ...flags, source, `docker://${target}`]);
      }
      const creds = access.username
        ? { username: access.username, password: access.password ?? '' }
        : undefined;
      return manifestDigest(registryImage(access.registry, plugin, tags[0]!), creds);
    }
    let digest = '';
    for (const tag of tags) {
      const file = join(dir, `${tag}.digest`);
      const target = registryImage(access.registry, plugin, tag);
      await podmanOk([...push, ...flags, '--digestfile', file, source, `docker://${target}`]);
      digest = readFileSync(file, 'utf8').trim();
    }
    return digest;
  });
}

/** Pushes the plugins' images (built beforehand: scripts/images/build.ts). */
export async function publish(
  access: RegistryAccess,
  plugins: readonly PluginName[] = PLUGINS,
): Promise<Record<string, string>> {
  const tags = releaseTags(VERSION);
  const digests: Record<string, string> = {};
  for (const p of plugins) digests[p] = await pushImage(p, access, tags);
  return digests;
}

/** A release tag must be `v` + package.json's version. */
export function checkTag(tag: string): void {
  if (tag.replace(/^v/, '') !== VERSION) {
    throw new Error(
      `the tag ${tag} does not match package.json's version ${VERSION}: set "version" to ` +
        `${tag.replace(/^v/, '')} and add its CHANGELOG.md section before tagging (docs/releasing.md)`,
    );
  }
}

function accessFromEnv(registry: string): RegistryAccess {
  const env = process.env;
  return {
    registry,
    ...(env['REGISTRY_USERNAME'] ? { username: env['REGISTRY_USERNAME'] } : {}),
    ...(env['REGISTRY_PASSWORD'] ? { password: env['REGISTRY_PASSWORD'] } : {}),
    ...(env['REGISTRY_CERT_DIR'] ? { certDir: env['REGISTRY_CERT_DIR'] } : {}),
  };
}

/** Pushes the images (the command line's work). */
async function main(
  registry: string | undefined,
  tag: string | undefined,
  positionals: string[],
): Promise<void> {
  if (!registry) throw new Error('--registry <host[:port]/path> is required');
  const unknown = positionals.filter((p) => !(PLUGINS as readonly string[]).includes(p));
  if (unknown.length > 0)
    throw new Error(`unknown plugin ${unknown.join(', ')}; expected ${PLUGINS.join(', ')}`);
  const plugins = positionals.length > 0 ? (positionals as PluginName[]) : PLUGINS;
  if (tag) checkTag(tag);
  const digests = await publish(accessFromEnv(registry), plugins);
  for (const [p, d] of Object.entries(digests)) {
    const tags = releaseTags(VERSION).join(', ');
    console.log(`${registryImage(registry, p as PluginName, VERSION)}@${d} (${tags})`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { values, positionals } = parseArgs({
      options: { registry: { type: 'string' }, tag: { type: 'string' }, 'check-tag': { type: 'string' } },
      allowPositionals: true,
    });
    const only = values['check-tag'];
    if (only !== undefined) {
      checkTag(only);
      console.log(`${only}: package.json's version, releasable`);
    } else await main(values.registry, values.tag, positionals);
  } catch (err) {
    console.error(errorMessage(err));
    process.exitCode = 1;
  }
}
