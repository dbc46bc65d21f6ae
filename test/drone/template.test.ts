// The Drone template of the example's flow (examples/templates/gke-flow.jsonnet), as
// examples/.drone.template.yml uses it: rendered as Drone renders it (template.ts), it gives
// examples/.drone.yml's two pipelines, and the rendered file runs through `drone exec`:
// tag v1 and tag v2 deploy, the rollback pipeline puts v1 back.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { useTestbed } from '../testbed/hooks.ts';
import type { TestbedState } from '../testbed/state.ts';
import { type DroneDocker, startDroneDocker } from './docker.ts';
import { ensureDroneCli } from './drone-cli.ts';
import { droneRunner, PIPELINE_FILE, type Runner, type RunResult } from './pipeline.ts';
import { resetTestbed, rollouts, slackMessages } from './scenario.ts';
import { RENDERED_PIPELINE_FILE, renderTemplate } from './template.ts';

type Doc = { kind?: string; name?: string; [k: string]: unknown };
const pipelines = (text: string) =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d?.kind === 'pipeline');

describe('the Drone template of the example (kind: template, .jsonnet)', function () {
  this.timeout(300_000);
  let drone = '';
  let rendered = '';

  before(async function () {
    this.timeout(10 * 60_000);
    drone = await ensureDroneCli((l) => process.stderr.write(`      ${l}\n`));
    rendered = await renderTemplate(drone);
  });

  it("renders examples/.drone.yml's pipelines, step for step", () => {
    const want = pipelines(readFileSync(PIPELINE_FILE, 'utf8'));
    const got = pipelines(rendered);
    assert.deepEqual(
      got.map((p) => p.name),
      want.map((p) => p.name),
    );
    for (const [i, p] of want.entries()) assert.deepEqual(got[i], p, `pipeline ${p.name}`);
  });

  describe('the rendered pipelines through drone exec', () => {
    let tb: TestbedState;
    let docker: DroneDocker | undefined;
    let runner: Runner | undefined;
    const log = (line: string) => process.stderr.write(`      ${line}\n`);
    const show = (r: RunResult) => `exit ${r.code}\n${r.output}`;

    before(async function () {
      this.timeout(40 * 60_000);
      tb = await useTestbed({ clusters: 2 });
      docker = await startDroneDocker(tb, log, 'release');
      runner = droneRunner(tb, {
        drone,
        dockerHost: docker.dockerHost,
        files: { [RENDERED_PIPELINE_FILE]: rendered },
      });
      await resetTestbed(tb);
    });
    after(async () => {
      runner?.dispose();
      await docker?.stop();
    });

    it('tag v1, tag v2, then the rollback pipeline: the clusters end on v1, Slack heard each', async () => {
      for (const tag of ['v1', 'v2']) {
        const r = await runner!.run({ pipeline: 'deploy', event: 'tag', tag, file: RENDERED_PIPELINE_FILE });
        assert.equal(r.code, 0, show(r));
        for (const step of ['assets', 'deploy', 'notify'])
          assert.match(r.output, new RegExp(`^\\[${step}:\\d+\\]`, 'm'));
        for (const d of await rollouts(tb)) assert.equal(d.image, `registry.local/app:${tag}`, d.cluster);
        log(`${tag}: ${(r.ms / 1000).toFixed(1)} s`);
      }
      const r = await runner!.run({
        pipeline: 'rollback',
        event: 'rollback',
        deployTo: 'production',
        file: RENDERED_PIPELINE_FILE,
      });
      assert.equal(r.code, 0, show(r));
      for (const d of await rollouts(tb)) assert.equal(d.image, 'registry.local/app:v1', d.cluster);
      assert.equal((await slackMessages(tb)).length, 3);
    });
  });
});
