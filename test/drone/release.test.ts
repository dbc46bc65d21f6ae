// The project's release pipeline (.drone.yml, `release`) run through drone exec on a tag event
// (release.ts says how the run is set up from outside the file): a tag that is not package.json's
// version stops it before anything is pushed; the version's tag pushes the four images to the
// testbed registry under X.Y.Z, X.Y, X and latest, with their OCI labels. The same run is the
// one whose images the example's Drone runs of this process pull (images.ts).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { VERSION } from '../../scripts/images/build.ts';
import { ensurePackages } from '../../scripts/images/podman.ts';
import { releaseTags } from '../../scripts/images/publish.ts';
import { PLUGINS } from '../../scripts/plugins.ts';
import { registryGet } from '../images/registry.ts';
import { useTestbed } from '../testbed/hooks.ts';
import type { TestbedState } from '../testbed/state.ts';
import { explainRelease, releaseImages, runRelease } from './release.ts';

interface Manifest {
  config: { digest: string };
}

describe("the project's release pipeline through drone exec (tag event)", function () {
  this.timeout(300_000);
  let tb: TestbedState;
  const log = (line: string) => process.stderr.write(`      ${line}\n`);

  before(async function () {
    this.timeout(40 * 60_000); // cold: the testbed's tools, drone-cli, the stand-ins
    await ensurePackages(log);
    tb = await useTestbed({ clusters: 2 });
  });

  it("a tag that is not package.json's version fails the run before anything is pushed", async function () {
    this.timeout(20 * 60_000);
    const r = await runRelease(tb, 'v99.0.0', log);
    assert.notEqual(r.code, 0, explainRelease(r));
    assert.match(r.output, /the tag v99\.0\.0 does not match package\.json's version/, r.output);
    assert.doesNotMatch(r.output, /^\[push:\d+\]/m, r.output);
    assert.deepEqual(r.pushed, []);
    log(`v99.0.0 refused in ${(r.ms / 1000).toFixed(1)} s`);
  });

  it(`tag v${VERSION}: the four images pushed under X.Y.Z, X.Y, X and latest, with their labels`, async function () {
    this.timeout(30 * 60_000);
    const r = await releaseImages(tb, log);
    for (const step of ['build', 'test-images', 'push'])
      assert.match(r.output, new RegExp(`^\\[${step}:\\d+\\]`, 'm'));
    // The image checks ran in their step, on the images built by the build step, and passed.
    assert.match(r.output, /^\[test-images:\d+\] +(\d+) passing/m, r.output);
    assert.doesNotMatch(r.output, /^\[test-images:\d+\] +\d+ failing/m, r.output);
    // …and only those: the scenarios against the testbed are `npm run test:images`' (CI's).
    assert.doesNotMatch(r.output, /^\[test-images:\d+\] +against the testbed \(/m, r.output);
    for (const plugin of PLUGINS) {
      const repo = `drone-gke-plugins/${plugin}`;
      const digest = r.digests[plugin];
      assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/, `${plugin}: no digest printed\n${r.output}`);
      for (const tag of releaseTags(VERSION)) {
        assert.ok(r.pushed.includes(`${repo}:${tag}`), `${repo}:${tag} not pushed: ${r.pushed.join(', ')}`);
        const m = await registryGet(tb, `/v2/${repo}/manifests/${tag}`);
        assert.equal(m.status, 200, `${repo}:${tag}: ${m.body}`);
        const served = `sha256:${createHash('sha256').update(m.body).digest('hex')}`;
        assert.equal(served, digest, `${repo}:${tag} is not the digest the push printed`);
      }
      const manifest = JSON.parse(
        (await registryGet(tb, `/v2/${repo}/manifests/${VERSION}`)).body,
      ) as Manifest;
      const config = await registryGet(tb, `/v2/${repo}/blobs/${manifest.config.digest}`);
      assert.equal(config.status, 200, config.body);
      const labels = (JSON.parse(config.body) as { config: { Labels: Record<string, string> } }).config
        .Labels;
      assert.equal(labels['org.opencontainers.image.version'], VERSION, plugin);
      assert.equal(labels['org.opencontainers.image.revision'], r.revision, plugin);
      assert.match(labels['org.opencontainers.image.created'] ?? '', /^\d{4}-\d\d-\d\dT/, plugin);
      assert.equal(labels['org.opencontainers.image.title'], repo);
      assert.ok('org.opencontainers.image.source' in labels, plugin);
    }
    log(`v${VERSION}: ${(r.ms / 1000).toFixed(1)} s`);
  });
});
