// `npm run demo`: the whole flow on this machine, in about two minutes once the tools are built.
// It starts the local testbed (two GKE-like clusters, a Cloud Storage bucket, a Slack sink, all
// on 127.0.0.1), then runs examples/.drone.yml as a team would see it run:
//   1. tag v1      sync the assets, deploy v1 to both clusters, tell Slack
//   2. tag broken  the rollout never gets ready: gke-deploy rolls both clusters back, Slack hears
//   3. tag v1.1    ready, but a fifth of its requests fail: its error rate rolls it back
//   4. tag v2      deploy v2; Slack in app mode: one message, announced, then updated, a thread
//   5. rollback    the rollback pipeline puts v1 back
// and checks after each build that it happened. Exit 0 when everything happened as told.
//
// Through Drone (`drone exec` on Podman, with the plugin images) when Podman, Go and the images
// are there; otherwise the bundles in dist/ run the same steps with the same settings.
//   npm run demo [-- --drone | --bundles] [-- --stop]
// --stop (or CI=true) stops the testbed at the end when the demo started it.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { errorMessage } from '../common/errors.ts';
import { type Build, bundleRunner, droneRunner, type Runner } from '../test/drone/pipeline.ts';
import {
  appMessages,
  BUCKET,
  BUILDS,
  bucketObjects,
  NAMESPACE,
  PREFIX,
  plainText,
  resetTestbed,
  rollouts,
  slackMessages,
} from '../test/drone/scenario.ts';
import { startTestbed, stopTestbed } from '../test/testbed/lifecycle.ts';
import type { TestbedState } from '../test/testbed/state.ts';

const args = new Set(process.argv.slice(2));
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const say = (s = '') => console.log(s);
const problems: string[] = [];
const check = (ok: boolean, what: string) => {
  say(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) problems.push(what);
};

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Drone and Podman when they can run here without building images (minutes); else the bundles. */
async function chooseRunner(tb: TestbedState): Promise<{ runner: Runner; stop: () => Promise<void> }> {
  const bundles = () => ({ runner: bundleRunner(tb), stop: async () => {} });
  if (args.has('--bundles')) {
    say("Running the pipeline's steps as the bundles in dist/ (--bundles).");
    return bundles();
  }
  const why: string[] = [];
  if (!has('podman')) why.push('podman is not installed');
  if (!has('go')) why.push('go is not installed (drone-cli is built from source)');
  if (why.length === 0) {
    const { missingImages } = await import('../test/drone/images.ts');
    const missing = await missingImages();
    if (missing.length > 0)
      why.push(`the images of ${missing.join(', ')} are not built (npm run test:images)`);
  }
  if (why.length > 0 && !args.has('--drone')) {
    say(`Running the pipeline's steps as the bundles in dist/: ${why.join('; ')}.`);
    say(dim('(the same steps and settings; npm run test:drone runs them through Drone)'));
    return bundles();
  }
  const { ensureDroneCli } = await import('../test/drone/drone-cli.ts');
  const { startDroneDocker } = await import('../test/drone/docker.ts');
  let drone: string;
  let service: Awaited<ReturnType<typeof startDroneDocker>>;
  try {
    drone = await ensureDroneCli((l) => say(dim(l)));
    // The images go to the testbed registry, and the run pulls them from there.
    service = await startDroneDocker(tb, (l) => say(dim(l)));
  } catch (err) {
    // Without --drone, a machine that cannot build drone-cli still gets the demo.
    if (args.has('--drone')) throw err;
    say(`Running the pipeline's steps as the bundles in dist/: ${errorMessage(err).split('\n')[0]}`);
    return bundles();
  }
  say('Running the pipeline with drone exec on Podman, the plugin images pulled from the testbed registry.');
  return { runner: droneRunner(tb, { drone, dockerHost: service.dockerHost }), stop: service.stop };
}

function commandOf(runner: Runner, b: Build): string {
  if (runner.kind === 'bundles') {
    return `(${b.pipeline} pipeline, event ${b.event}${b.tag ? `, tag ${b.tag}` : ''}${b.deployTo ? `, target ${b.deployTo}` : ''})`;
  }
  return [
    ...(b.tag ? [`DRONE_TAG=${b.tag}`] : []),
    `drone exec --pipeline ${b.pipeline} --event ${b.event}`,
    ...(b.deployTo ? [`--deploy-to ${b.deployTo}`] : []),
    '--secret-file secrets.env --env-file testbed.env .drone.yml',
  ].join(' ');
}

async function build(runner: Runner, title: string, b: Build): Promise<number> {
  say();
  say(bold(`== ${title}`));
  say(dim(`$ ${commandOf(runner, b)}`));
  const r = await runner.run(b, (line) => {
    // The testbed's endpoints are global settings; plugins without them say so once. Noise here.
    if (!/unknown setting "(gke_endpoint|storage_endpoint|token_url|monitoring_endpoint|api_url)"/.test(line))
      say(dim(`  ${line}`));
  });
  say(`  -> exit ${r.code} after ${(r.ms / 1000).toFixed(1)} s`);
  return r.code;
}

async function expectClusters(tb: TestbedState, image: string): Promise<void> {
  for (const d of await rollouts(tb)) {
    check(
      d.image === image && d.ready === d.replicas,
      `${d.cluster}: ${d.image}, ${d.ready}/${d.replicas} ready`,
    );
  }
}

async function lastSlack(tb: TestbedState, count: number, pattern: RegExp, what: string): Promise<void> {
  const messages = await slackMessages(tb);
  const last = messages.at(-1);
  const headline = last ? plainText(last.raw).split('\n')[0] : '(nothing)';
  check(
    messages.length === count && last !== undefined && pattern.test(plainText(last.raw)),
    `Slack: ${what}: "${headline}"`,
  );
}

/** App mode: one message, announced by the start step, updated by the finish step, a thread below. */
async function expectAppMessage(tb: TestbedState): Promise<void> {
  const { top, replies } = await appMessages(tb);
  const m = top[0];
  check(
    top.length === 1 && m !== undefined && m.edits >= 1 && /Succeeded/.test(plainText(JSON.stringify(m))),
    `Slack (app mode): one message in #deploys, posted then updated ${m?.edits ?? 0} time(s)`,
  );
  check(
    replies.length > 0 &&
      replies.every((r) => r.thread_ts === m?.ts) &&
      /app:v2/.test(plainText(JSON.stringify(replies))),
    `Slack (app mode): ${replies.length} reply(ies) in its thread, naming registry.local/app:v2`,
  );
}

/** The five builds of the story, each checked after it ran. */
async function runBuilds(tb: TestbedState, runner: Runner): Promise<void> {
  let code = await build(runner, '1. Tag v1: sync the assets, deploy v1 to both clusters, notify', BUILDS.v1);
  check(code === 0, 'the build passed');
  await expectClusters(tb, 'registry.local/app:v1');
  const objects = await bucketObjects(tb);
  check(
    objects.length === 3,
    `bucket: ${objects.map((o) => `${o.name} (${o.cacheControl ?? '-'})`).join(', ')}`,
  );
  await lastSlack(tb, 1, /registry\.local\/app:v1/, 'success');

  code = await build(runner, '2. Tag broken: a v2 whose pods never get ready', BUILDS.broken);
  check(code !== 0, 'the build failed (the deploy step)');
  await expectClusters(tb, 'registry.local/app:v1');
  say(dim('  gke-deploy noticed the stalled rollout and rolled both clusters back to v1 by itself'));
  await lastSlack(tb, 2, /rolled back/i, 'failure, rolled back, failed step named');

  code = await build(runner, '3. Tag v1.1: ready, but a fifth of its requests fail', BUILDS.bad);
  check(code !== 0, 'the build failed (the deploy step)');
  await expectClusters(tb, 'registry.local/app:v1');
  say(dim('  every pod got ready; the error-rate check measured the 5xx share and rolled both back'));
  await lastSlack(tb, 3, /error-rate/, 'failure, the failed check named');

  code = await build(
    runner,
    "4. Tag v2 (fixed), Slack in app mode (the example's commented alternative)",
    BUILDS.v2,
  );
  check(code === 0, 'the build passed');
  await expectClusters(tb, 'registry.local/app:v2');
  await expectAppMessage(tb);

  code = await build(runner, '5. v2 misbehaves: the rollback pipeline, target production', BUILDS.rollback);
  check(code === 0, 'the rollback passed');
  await expectClusters(tb, 'registry.local/app:v1');
  await lastSlack(tb, 4, /rolled back/i, 'rolled back');
}

async function showSlack(tb: TestbedState): Promise<void> {
  say();
  say(bold('== What Slack received through the webhook'));
  for (const [i, m] of (await slackMessages(tb)).entries()) {
    say(`  --- message ${i + 1}`);
    for (const line of plainText(m.raw).split('\n').slice(0, 14)) say(`  ${line}`);
  }
  say();
  say(bold('== What #deploys shows of the app-mode message (v2), after its update, and its thread'));
  const { top, replies } = await appMessages(tb);
  for (const m of top) {
    say(`  --- message ts ${m.ts}, updated ${m.edits} time(s)`);
    for (const line of plainText(JSON.stringify(m)).split('\n').slice(0, 14)) say(`  ${line}`);
  }
  for (const r of replies) {
    say(`  --- in its thread${r.reply_broadcast ? ' (also sent to the channel)' : ''}`);
    for (const line of plainText(JSON.stringify(r)).split('\n').slice(0, 20)) say(`  ${line}`);
  }
}

function showLookAround(tb: TestbedState): void {
  const kubectlDir = dirname(tb.tools.kubectl as string);
  const ctx = tb.clusters[0]?.context ?? '';
  say();
  say(bold('== Look around'));
  say('  eval "$(npx tsx test/testbed/cli.ts env)"');
  say(`  export PATH="${kubectlDir}:$PATH"`);
  say(`  kubectl --context ${ctx} -n ${NAMESPACE} get deployments,pods`);
  say(`  kubectl --context ${ctx} -n ${NAMESPACE} rollout history deployment/web`);
  say(`  curl -s "$TESTBED_GCS_ENDPOINT/storage/v1/b/${BUCKET}/o?prefix=${PREFIX}"`);
  say(`  curl -s ${tb.slack.requestsUrl}`);
  say('  Stop it all: npx tsx test/testbed/cli.ts down');
}

function showVerdict(started: number): void {
  say();
  if (problems.length > 0) {
    say(bold(`demo: ${problems.length} thing(s) did not happen as told:`));
    for (const p of problems) say(`  - ${p}`);
    process.exitCode = 1;
    return;
  }
  say(bold(`demo: everything happened as told, in ${Math.round((Date.now() - started) / 1000)} s.`));
}

async function main(): Promise<void> {
  const started = Date.now();
  say(bold('drone-gke-plugins demo'));
  say('A web service on two GKE clusters (asia-northeast1, us-central1), its static assets in a');
  say('bucket, its team on Slack: all of it local (the testbed), driven by examples/.drone.yml.');
  say();
  say(bold('== Starting the testbed'));
  const tb = await startTestbed({ clusters: 2, log: (l) => say(dim(`  ${l}`)) });
  const startedHere = tb.ownerPid === process.pid;
  await resetTestbed(tb);
  say(`  bucket gs://${BUCKET}, namespace ${NAMESPACE} removed from both clusters, Slack sink emptied`);
  say();
  const { runner, stop } = await chooseRunner(tb);
  try {
    await runBuilds(tb, runner);
  } finally {
    runner.dispose();
    await stop();
  }
  await showSlack(tb);
  showLookAround(tb);
  const stopNow = args.has('--stop') || process.env['CI'] === 'true';
  if (stopNow && startedHere) {
    await stopTestbed();
    say(dim('  (the testbed was stopped: --stop or CI)'));
  }
  showVerdict(started);
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${errorMessage(err)}`);
  process.exitCode = 1;
});
