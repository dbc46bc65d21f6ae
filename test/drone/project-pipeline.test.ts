// The project's own .drone.yml: drone lint accepts it, the check pipeline runs the checks and
// the unit tests on pushes and pull requests, and the release pipeline builds on the real
// bases, runs the image tests and pushes with the registry secrets only for a tag vX.Y.Z
// that package.json's version allows, each step in the tools image on the runner host's
// Podman. release.test.ts runs it through drone exec.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { pullBases, VERSION } from '../../scripts/images/build.ts';
import { checkTag } from '../../scripts/images/publish.ts';
import { ensureDroneCli } from './drone-cli.ts';
import { ROOT } from './pipeline.ts';

interface Doc {
  name: string;
  type: string;
  trigger: { event: string[]; ref?: string[] };
  environment?: Record<string, string>;
  volumes?: { name: string; host?: { path: string } }[];
  steps: {
    name: string;
    image: string;
    commands: string[];
    volumes?: { name: string; path: string }[];
    environment?: Record<string, { from_secret?: string }>;
  }[];
}

describe("the project's .drone.yml", function () {
  this.timeout(600_000);
  const file = join(ROOT, '.drone.yml');
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc);
  const pipeline = (name: string) => docs.find((d) => d.name === name)!;

  it('drone lint accepts it for a trusted repository only (the release mounts a host path)', async function () {
    this.timeout(10 * 60_000); // builds drone-cli on a first run
    const drone = await ensureDroneCli((l) => process.stderr.write(`      ${l}\n`));
    const r = spawnSync(drone, ['lint', '--trusted', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const untrusted = spawnSync(drone, ['lint', file], { encoding: 'utf8' });
    assert.match(untrusted.stderr + untrusted.stdout, /untrusted repositories cannot mount host volumes/);
  });

  it('check: on pushes and pull requests, npm run check and the unit tests', () => {
    const check = pipeline('check');
    assert.deepEqual(check.trigger.event, ['push', 'pull_request']);
    const commands = check.steps.flatMap((s) => s.commands);
    for (const c of ['npm run check', 'npm run test:unit'])
      assert.ok(commands.includes(c), commands.join('\n'));
  });

  it('release: on tags v*, real bases, image tests before the push, registry from secrets', () => {
    const release = pipeline('release');
    assert.equal(release.type, 'docker');
    assert.deepEqual(release.trigger, { event: ['tag'], ref: ['refs/tags/v*'] });
    // A tag build pulls the real bases (build.ts); the file does not say it, so a runner's
    // global DRONE_GKE_IMAGES_BASES=local can (a pipeline's environment would win over it).
    assert.equal(release.environment?.['DRONE_GKE_IMAGES_BASES'], undefined);
    assert.equal(pullBases({ DRONE_BUILD_EVENT: 'tag' }), true);
    assert.equal(pullBases({ DRONE_BUILD_EVENT: 'tag', DRONE_GKE_IMAGES_BASES: 'local' }), false);
    // Every step runs in the tools image, on the runner host's Podman through its socket.
    const socket = release.volumes?.find((v) => v.name === 'podman')?.host?.path;
    assert.equal(socket, '/run/podman/podman.sock');
    assert.equal(release.environment?.['CONTAINER_HOST'], `unix://${socket}`);
    for (const step of release.steps) {
      assert.match(step.image, /^drone-gke-plugins\/release-tools:/, step.name);
      assert.deepEqual(step.volumes, [{ name: 'podman', path: socket }], step.name);
    }
    assert.deepEqual(
      release.steps.map((s) => s.name),
      ['build', 'test-images', 'push'],
    );
    assert.deepEqual(release.steps[1]!.commands, ['npm run test:images:checks']);
    const push = release.steps[2]!;
    assert.deepEqual(
      Object.fromEntries(Object.entries(push.environment ?? {}).map(([k, v]) => [k, v.from_secret])),
      {
        REGISTRY: 'registry',
        REGISTRY_USERNAME: 'registry_username',
        REGISTRY_PASSWORD: 'registry_password',
      },
    );
    // ${DRONE_TAG}: Drone's substitution (drone exec has no --ref to set it in the steps).
    assert.match(push.commands.join('\n'), /publish\.ts --registry "\$REGISTRY" --tag "\$\{DRONE_TAG\}"/);
    assert.doesNotThrow(() => checkTag(`v${VERSION}`));
    assert.throws(() => checkTag('v99.0.0'), /does not match package\.json's version/);
  });
});
