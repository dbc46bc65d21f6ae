// The four images through a real registry: the testbed's (Debian's docker-registry on
// 127.0.0.1, TLS from the testbed CA, basic auth). Pushed as a release pushes them
// (scripts/images/publish.ts: X.Y.Z, X.Y, X, latest), each an image index of every platform
// built, refused without credentials or without the CA, pulled back by name and by digest, and run.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAll, buildPlatforms, imageRef, VERSION } from '../../scripts/images/build.ts';
import { ensurePackages, podman, podmanOk } from '../../scripts/images/podman.ts';
import {
  publish,
  type RegistryAccess,
  registryImage,
  releaseTags,
  withAccessFlags,
} from '../../scripts/images/publish.ts';
import { PLUGINS } from '../../scripts/plugins.ts';
import { useTestbed } from '../testbed/hooks.ts';
import type { TestbedState } from '../testbed/state.ts';
import { registryGet, testbedRegistry } from './registry.ts';
import { inspect, out } from './run.ts';

const log = (line: string) => process.stderr.write(`      [registry] ${line}\n`);

describe('images through the testbed registry (TLS, basic auth)', function () {
  this.timeout(300_000);
  let tb: TestbedState;
  let access: RegistryAccess;
  let digests: Record<string, string> = {};

  before(async function () {
    this.timeout(60 * 60_000);
    await ensurePackages(log);
    tb = await useTestbed({ clusters: 0 });
    access = testbedRegistry(tb);
    await buildAll(PLUGINS, log);
  });

  // The store is the image tests' (shared with other checkouts' builds): take the pulled
  // names off again.
  after(async () => {
    if (!access) return;
    const [, minor] = releaseTags(VERSION);
    for (const plugin of PLUGINS) await podman(['rmi', registryImage(access.registry, plugin, minor!)]);
  });

  it('pushes the four images under X.Y.Z, X.Y, X and latest', async () => {
    const started = Date.now();
    digests = await publish(access);
    log(
      `pushed ${PLUGINS.length} images x ${releaseTags(VERSION).length} tags in ${Date.now() - started} ms`,
    );
    for (const plugin of PLUGINS) {
      assert.match(digests[plugin] ?? '', /^sha256:[0-9a-f]{64}$/, plugin);
      const r = await registryGet(tb, `/v2/drone-gke-plugins/${plugin}/tags/list`);
      assert.equal(r.status, 200, r.body);
      const tags = (JSON.parse(r.body) as { tags: string[] }).tags.sort();
      for (const t of releaseTags(VERSION)) assert.ok(tags.includes(t), `${plugin}: ${t} in ${tags}`);
    }
  });

  it('each tag is an image index of every platform built (linux/amd64, linux/arm64)', async () => {
    const platforms = buildPlatforms();
    if (platforms.length === 1) log('one platform built (DRONE_GKE_IMAGES_PLATFORMS): a plain image per tag');
    for (const plugin of PLUGINS) {
      for (const tag of releaseTags(VERSION)) {
        const r = await registryGet(tb, `/v2/drone-gke-plugins/${plugin}/manifests/${tag}`);
        assert.equal(r.status, 200, r.body);
        const manifest = JSON.parse(r.body) as {
          mediaType?: string;
          manifests?: { platform: { os: string; architecture: string } }[];
        };
        if (platforms.length === 1) {
          assert.equal(manifest.manifests, undefined, `${plugin}:${tag} is a list`);
          continue;
        }
        assert.equal(manifest.mediaType, 'application/vnd.oci.image.index.v1+json', `${plugin}:${tag}`);
        const got = (manifest.manifests ?? []).map((m) => `${m.platform.os}/${m.platform.architecture}`);
        assert.deepEqual(got.sort(), [...platforms].sort(), `${plugin}:${tag}`);
        // The digest publish printed is the index's.
        const digest = `sha256:${createHash('sha256').update(r.body).digest('hex')}`;
        assert.equal(digest, digests[plugin], `${plugin}:${tag}`);
      }
    }
  });

  it('refuses a push without credentials, and a client that does not trust the testbed CA', async () => {
    const target = `docker://${registryImage(access.registry, 'slack-notify', 'refused')}`;
    const anonymous = await podman(['push', '--cert-dir', access.certDir!, imageRef('slack-notify'), target]);
    assert.notEqual(anonymous.code, 0, out(anonymous));
    assert.match(anonymous.stderr, /authentication required|unauthorized/i, anonymous.stderr);
    const empty = mkdtempSync(join(tmpdir(), 'dgp-no-ca-'));
    try {
      const untrusting = await podman([
        'push',
        '--creds',
        `${access.username}:${access.password}`,
        '--cert-dir',
        empty,
        imageRef('slack-notify'),
        target,
      ]);
      assert.notEqual(untrusting.code, 0, out(untrusting));
      assert.match(untrusting.stderr, /x509|certificate/i, untrusting.stderr);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    assert.equal((await registryGet(tb, '/v2/_catalog', false)).status, 401);
  });

  it('pulls each image back by X.Y and by digest: the same image, and it runs', async () => {
    const [, minor] = releaseTags(VERSION);
    for (const plugin of PLUGINS) {
      const byTag = registryImage(access.registry, plugin, minor!);
      const byDigest = `${access.registry}/${plugin}@${digests[plugin]}`;
      // Untag first: the pull must come from the registry, not the local store.
      await podman(['rmi', byTag]);
      await withAccessFlags(access, async (flags) => {
        await podmanOk(['pull', ...flags, byTag]);
        await podmanOk(['pull', ...flags, byDigest]);
      });
      const built = await inspect(imageRef(plugin));
      const pulled = await inspect(byTag);
      assert.deepEqual(pulled.RootFS.Layers, built.RootFS.Layers, plugin);
      assert.equal(pulled.Config.Labels?.['org.opencontainers.image.version'], VERSION);
      const r = await podman(['run', '--rm', '--pull=never', '--network=none', byDigest, '--help']);
      assert.equal(r.code, 0, out(r));
      assert.match(r.stdout, new RegExp(`^${plugin} ${VERSION.replace(/\./g, '\\.')}$`, 'm'));
    }
  });
});
