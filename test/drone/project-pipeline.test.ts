// The project's own .drone.yml: drone lint accepts it, the check pipeline runs the checks and
// the unit tests on pushes and pull requests, and the release pipeline builds on the real
// bases, runs the image tests and pushes with the registry secrets only for a tag vX.Y.Z
// that package.json's version allows. (It is not run here: test/drone/README.md says why.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { VERSION } from '../../scripts/images/build.ts';
import { checkTag } from '../../scripts/images/publish.ts';
import { ensureDroneCli } from './drone-cli.ts';
import { ROOT } from './pipeline.ts';

interface Doc {
  name: string;
  type: string;
  trigger: { event: string[]; ref?: string[] };
  environment?: Record<string, string>;
  steps: { name: string; commands: string[]; environment?: Record<string, { from_secret?: string }> }[];
}

describe("the project's .drone.yml", function () {
  this.timeout(600_000);
  const file = join(ROOT, '.drone.yml');
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc);
  const pipeline = (name: string) => docs.find((d) => d.name === name)!;

  it('drone lint accepts it', async function () {
    this.timeout(10 * 60_000); // builds drone-cli on a first run
    const drone = await ensureDroneCli((l) => process.stderr.write(`      ${l}\n`));
    const r = spawnSync(drone, ['lint', '--trusted', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr + r.stdout);
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
    assert.deepEqual(release.trigger, { event: ['tag'], ref: ['refs/tags/v*'] });
    assert.equal(release.environment?.['DRONE_GKE_IMAGES_BASES'], 'pull');
    assert.deepEqual(
      release.steps.map((s) => s.name),
      ['build', 'test-images', 'push'],
    );
    const push = release.steps[2]!;
    assert.deepEqual(
      Object.fromEntries(Object.entries(push.environment ?? {}).map(([k, v]) => [k, v.from_secret])),
      {
        REGISTRY: 'registry',
        REGISTRY_USERNAME: 'registry_username',
        REGISTRY_PASSWORD: 'registry_password',
      },
    );
    assert.match(push.commands.join('\n'), /publish\.ts --registry "\$REGISTRY" --tag "\$DRONE_TAG"/);
    assert.doesNotThrow(() => checkTag(`v${VERSION}`));
    assert.throws(() => checkTag('v99.0.0'), /does not match package\.json's version/);
  });
});
