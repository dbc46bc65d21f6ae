// examples/.woodpecker.yml is examples/.drone.yml for Woodpecker users: the same steps with the
// same settings, only the build variables and the events named as Woodpecker names them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../testbed/state.ts';

type Step = { name: string; image: string; settings?: Record<string, unknown> };
type Doc = { kind?: string; name?: string; steps?: Step[] };

const read = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(join(repoRoot(), 'examples', file), 'utf8')).map((d) => d.toJS() as Doc);

describe('examples: the Woodpecker pipeline matches the Drone one', () => {
  const drone = read('.drone.yml').filter((d) => d.kind === 'pipeline');
  const woodpecker = read('.woodpecker.yml')[0]?.steps ?? [];
  const droneStep = (pipeline: string, name: string) =>
    drone.find((p) => p.name === pipeline)?.steps?.find((s) => s.name === name);
  // Woodpecker's tag variable for Drone's; nothing else may differ.
  const asDrone = (v: unknown) =>
    JSON.parse(JSON.stringify(v ?? {}).replace(/(?<=\$\{)CI_COMMIT_TAG(?=\})/g, 'DRONE_TAG'));

  for (const [pipeline, name] of [
    ['deploy', 'assets'],
    ['deploy', 'deploy'],
    ['deploy', 'notify'],
    ['rollback', 'rollback'],
  ] as const) {
    it(`${name}: same image and settings`, () => {
      const w = woodpecker.find((s) => s.name === name);
      const d = droneStep(pipeline, name);
      assert.ok(w && d, `a step ${name} in both files`);
      assert.equal(w.image, d.image);
      assert.deepEqual(asDrone(w.settings), d.settings);
    });
  }
});
