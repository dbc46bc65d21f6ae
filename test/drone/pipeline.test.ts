// A real Drone run of examples/.drone.yml, unchanged: drone-cli's `drone exec` (built from the
// Go module proxy at the version test/drone/go/go.mod pins) on Podman's Docker API, the plugin
// images pulled from the testbed registry by the names the file gives them (docker.ts), against
// the testbed: two clusters, a bucket, the Slack sink. The steps run in order and build on each
// other (scenario.ts); the rollback pipeline runs from a copy that pins its plugin by digest (pin.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ensurePackages } from '../../scripts/images/podman.ts';
import { registryPulls } from '../images/registry.ts';
import { useTestbed } from '../testbed/hooks.ts';
import type { TestbedState } from '../testbed/state.ts';
import { type DroneDocker, startDroneDocker } from './docker.ts';
import { ensureDroneCli } from './drone-cli.ts';
import { PINNED_PIPELINE_FILE, pinByDigest } from './pin.ts';
import { droneRunner, PIPELINE_FILE, type Runner, type RunResult, testbedSecrets } from './pipeline.ts';
import { EXAMPLE_TAG } from './registry-mirror.ts';
import {
  appMessages,
  BUCKET,
  BUILDS,
  bucketObjects,
  PREFIX,
  plainText,
  resetTestbed,
  rollouts,
  SITE_FILES,
  slackMessages,
} from './scenario.ts';

describe('examples/.drone.yml with drone exec on Podman', function () {
  this.timeout(300_000);
  let tb: TestbedState;
  let service: DroneDocker | undefined;
  let runner: Runner | undefined;
  let drone = '';
  const log = (line: string) => process.stderr.write(`      ${line}\n`);

  before(async function () {
    this.timeout(40 * 60_000); // cold: the testbed's tools, drone-cli, the images
    await ensurePackages(log);
    tb = await useTestbed({ clusters: 2 });
    drone = await ensureDroneCli(log);
    service = await startDroneDocker(tb, log, 'release');
    const pinned = pinByDigest(readFileSync(PIPELINE_FILE, 'utf8'), 'rollback', service.digests['rollback']!);
    runner = droneRunner(tb, {
      drone,
      dockerHost: service.dockerHost,
      files: { [PINNED_PIPELINE_FILE]: pinned },
    });
    await resetTestbed(tb);
  });

  after(async () => {
    runner?.dispose();
    await service?.stop();
  });

  /** drone exec's output, and the Podman service's refusals, which drone exec does not print. */
  const explain = (r: RunResult) => {
    const refused = service
      ? readFileSync(service.logFile, 'utf8')
          .split('\n')
          .filter((l) => /Request Failed|level=error/.test(l))
          .slice(-10)
          .join('\n')
      : '';
    return `exit ${r.code}\n${r.output}\n--- podman service ---\n${refused}`;
  };

  const secrets = () => Object.values(testbedSecrets(tb));
  const assertNoSecrets = (r: RunResult) => {
    for (const s of secrets()) assert.ok(!r.output.includes(s), 'a secret is in the build log');
  };

  it('drone lint accepts the file as it is, for an untrusted repository too', () => {
    const untrusted = spawnSync(drone, ['lint', PIPELINE_FILE], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] },
    });
    assert.equal(untrusted.status, 0, untrusted.stderr + untrusted.stdout);
  });

  /** What the registry served (its access log), each pull through the mirror. */
  const pulled = () => registryPulls(tb);

  it('tag v1: syncs the assets, deploys v1 to both clusters, tells Slack', async () => {
    const r = await runner!.run(BUILDS.v1);
    assert.equal(r.code, 0, explain(r));
    // drone exec exits 0 when it never reached a container: the log must show every step.
    for (const step of ['assets', 'deploy', 'notify'])
      assert.match(r.output, new RegExp(`^\\[${step}:\\d+\\]`, 'm'));
    // Each image came from the testbed registry, through the mirror, by the name in the file.
    for (const plugin of ['gcs-static-sync', 'gke-deploy', 'slack-notify']) {
      assert.ok(
        pulled().includes(`drone-gke-plugins/${plugin}:${EXAMPLE_TAG}`),
        `${plugin} not pulled from the registry: ${pulled().join(', ')}`,
      );
    }
    // Judged by its error rate on both clusters, 3 measurements each, through Managed Prometheus.
    assert.equal(r.output.match(/^\[deploy:\d+\] error-rate +\S+ +0, 0, 0 +passed$/gm)?.length, 2, r.output);
    for (const d of await rollouts(tb)) {
      assert.equal(d.image, 'registry.local/app:v1', d.cluster);
      assert.equal(d.ready, 3, d.cluster);
    }
    const objects = await bucketObjects(tb);
    assert.deepEqual(
      objects.map((o) => o.name),
      SITE_FILES.map((f) => `${PREFIX}${f}`),
    );
    const byName = Object.fromEntries(objects.map((o) => [o.name.slice(PREFIX.length), o]));
    assert.match(byName['index.html']?.contentType ?? '', /^text\/html/);
    assert.equal(byName['index.html']?.cacheControl, 'public, max-age=60');
    assert.match(byName['css/site.css']?.contentType ?? '', /^text\/css/);
    assert.equal(byName['js/app.js']?.cacheControl, 'public, max-age=31536000, immutable');
    assert.equal(byName['js/app.js']?.contentEncoding, 'gzip');
    const messages = await slackMessages(tb);
    assert.equal(messages.length, 1, JSON.stringify(messages));
    const text = plainText(messages[0]!.raw);
    assert.match(text, /succeeded|success/i, text);
    assert.match(text, /registry\.local\/app:v1/, text);
    assert.match(text, /asia-northeast1/, text);
    assert.match(text, /us-central1/, text);
    assertNoSecrets(r);
    log(`v1: ${(r.ms / 1000).toFixed(1)} s`);
  });

  it('tag broken: the deploy fails, both clusters go back to v1 by themselves, Slack hears why', async () => {
    const r = await runner!.run(BUILDS.broken);
    assert.equal(r.code, 1, explain(r));
    assert.match(r.output, /gke-deploy failed: the deploy failed and every changed cluster was rolled back/);
    for (const d of await rollouts(tb)) {
      assert.equal(d.image, 'registry.local/app:v1', d.cluster);
      assert.equal(d.ready, 3, d.cluster);
    }
    const messages = await slackMessages(tb);
    assert.equal(messages.length, 2, JSON.stringify(messages));
    const failure = messages[1]!;
    const text = plainText(failure.raw);
    assert.match(text, /fail/i, text);
    assert.match(text, /rolled back/i, text);
    // The failed step, from DRONE_FAILED_STEPS, which Drone sets for the steps after a failure.
    assert.match(text, /Failed steps?\s*:?\s*\n?\s*deploy\b/i, text);
    assert.match(failure.text, /<!here>/, 'the mention goes into the top-level text');
    assertNoSecrets(r);
    log(`broken: ${(r.ms / 1000).toFixed(1)} s`);
  });

  it('tag v1.1: ready but failing a fifth of its requests, rolled back by its error rate', async () => {
    const r = await runner!.run(BUILDS.bad);
    assert.equal(r.code, 1, explain(r));
    // Every pod got ready: the rollout passed, the analysis (Managed Prometheus API) did not.
    assert.match(
      r.output,
      /rolled back \(analysis: error-rate on [a-z0-9-]+\/[a-z0-9-]+: value 0\.\d+ > max 0\.05\)/,
    );
    assert.doesNotMatch(r.output, /exceeded its progress deadline/);
    for (const d of await rollouts(tb)) {
      assert.equal(d.image, 'registry.local/app:v1', d.cluster);
      assert.equal(d.ready, 3, d.cluster);
    }
    const messages = await slackMessages(tb);
    assert.equal(messages.length, 3, JSON.stringify(messages.map((m) => m.text)));
    const text = plainText(messages[2]!.raw);
    assert.match(text, /rolled back/i, text);
    assert.match(text, /error-rate/, text);
    assertNoSecrets(r);
    log(`v1.1: ${(r.ms / 1000).toFixed(1)} s`);
  });

  it('tag v2 in app mode: deploys v2; one Slack message, announced then updated, details in its thread', async () => {
    const r = await runner!.run(BUILDS.v2);
    assert.equal(r.code, 0, explain(r));
    for (const step of ['announce', 'deploy', 'notify'])
      assert.match(r.output, new RegExp(`^\\[${step}:\\d+\\]`, 'm'));
    for (const d of await rollouts(tb)) assert.equal(d.image, 'registry.local/app:v2', d.cluster);
    const { top, replies } = await appMessages(tb);
    assert.equal(top.length, 1, JSON.stringify(top));
    const message = top[0]!;
    assert.equal(message.channel, 'C0DEPLOYS1');
    assert.ok(message.edits >= 1, 'the announcement was updated with the result');
    const text = plainText(JSON.stringify(message));
    assert.match(text, /succeeded|success/i, text);
    assert.ok(replies.length >= 1, 'the details are in a thread');
    assert.ok(replies.every((m) => m.thread_ts === message.ts));
    const details = plainText(JSON.stringify(replies));
    assert.match(details, /asia-northeast1/, details);
    assert.match(details, /us-central1/, details);
    assert.match(details, /registry\.local\/app:v2/, details);
    // Nothing went through the webhook: the 3 messages before are all there is.
    assert.equal((await slackMessages(tb)).length, 3);
    assertNoSecrets(r);
    log(`v2: ${(r.ms / 1000).toFixed(1)} s`);
  });

  it('the rollback pipeline (target production, its plugin pinned by digest) puts v1 back and tells Slack', async () => {
    const r = await runner!.run({ ...BUILDS.rollback, file: PINNED_PIPELINE_FILE });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.output, /^\[rollback:\d+\]/m);
    const digest = service!.digests['rollback']!;
    assert.ok(
      pulled().includes(`drone-gke-plugins/rollback@${digest}`),
      `rollback not pulled by digest: ${pulled().join(', ')}`,
    );
    for (const d of await rollouts(tb)) {
      assert.equal(d.image, 'registry.local/app:v1', d.cluster);
      assert.equal(d.ready, 3, d.cluster);
    }
    const messages = await slackMessages(tb);
    assert.equal(messages.length, 4, JSON.stringify(messages.map((m) => m.text)));
    const text = plainText(messages[3]!.raw);
    assert.match(text, /rolled back/i, text);
    assert.match(text, /registry\.local\/app:v1/, text);
    assertNoSecrets(r);
    log(`rollback: ${(r.ms / 1000).toFixed(1)} s (bucket ${BUCKET})`);
  });
});
