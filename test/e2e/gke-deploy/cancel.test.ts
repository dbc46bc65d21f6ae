// A cancelled build, as runners cancel it: SIGTERM (docker stop, Woodpecker, Kubernetes
// runners), SIGINT (Ctrl-C), a second signal, and SIGKILL (Drone's docker runner). The
// bundle runs as a child process against the testbed's two clusters; each test ends by
// checking what is running on both clusters, the summary, the lock and the secret files.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploySummary } from '../../../common/summary.ts';
import { assertNoLeaks } from '../../helpers/canary.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  deploymentOf,
  gkeEnv,
  kubectl,
  runPlugin,
  serviceAccountKey,
  uniqueNamespace,
  workspace,
} from './harness.ts';
import { startPlugin, useRunningPlugins } from './process.ts';

const BOTH_APPLIED = /deployment\.apps\/web configured[\s\S]*deployment\.apps\/web configured/;

interface LeaseJson {
  spec: { holderIdentity?: string };
  metadata: { annotations?: Record<string, string> };
}

describe('gke-deploy cancelled mid-rollout', function () {
  this.timeout(300_000);
  let tb: TestbedState;
  const running = useRunningPlugins(['gke-deploy', 'rollback'], (t) => {
    tb = t;
  });

  const env = (ns: string, build: number, tag: string, extra: Record<string, string> = {}) =>
    gkeEnv(tb, ns, {
      PLUGIN_CREATE_NAMESPACE: 'true',
      // A long progress deadline: the broken rollout is still going when the signal comes.
      PLUGIN_VARS: JSON.stringify({ app: 'web', tag, deadline: tag === 'broken' ? 600 : 6 }),
      SECRET_API_TOKEN: 'canary-api-token-cancel-5e1d',
      DRONE_BUILD_NUMBER: String(build),
      ...extra,
    });

  async function deployV1(ns: string, ws: string): Promise<void> {
    const r = await runPlugin('gke-deploy', env(ns, 1, 'v1'), ws);
    assert.equal(r.code, 0, r.output);
  }

  async function start(
    ns: string,
    ws: string,
    build: number,
    tag: string,
    extra: Record<string, string> = {},
  ) {
    const r = await startPlugin('gke-deploy', env(ns, build, tag, extra), ws);
    running.push(r);
    return r;
  }

  async function assertOnV1(ns: string): Promise<void> {
    for (const cluster of [0, 1]) {
      const d = await deploymentOf(tb, cluster, ns);
      assert.equal(d.image, 'registry.local/app:v1', `cluster ${cluster}`);
      assert.equal(d.spec.template.metadata.annotations?.['drone-gke/build-number'], '1');
      assert.equal(d.status.readyReplicas, 3);
      assert.equal(d.status.updatedReplicas, 3);
    }
  }

  /** The deploy lock's Lease; a run that ends cleanly deletes it, which reads as an empty one. */
  async function lease(cluster: number, ns: string): Promise<LeaseJson> {
    const text = await kubectl(tb, cluster, [
      '-n',
      ns,
      'get',
      'lease',
      'drone-gke-deploy',
      '--ignore-not-found',
      '-o',
      'json',
    ]);
    return text.trim() ? JSON.parse(text) : { spec: {}, metadata: {} };
  }

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`${signal}: rolls both clusters back, writes a cancelled summary, removes its secret files, exits ${code}`, async () => {
      const ns = uniqueNamespace('cancel');
      const ws = workspace('web');
      await deployV1(ns, ws);
      const run = await start(ns, ws, 2, 'broken');
      await run.waitFor(BOTH_APPLIED);
      run.child.kill(signal);
      const r = await run.done;
      assert.equal(r.code, code, r.output);
      assert.match(r.stderr, new RegExp(`received ${signal}: gke-deploy is stopping cleanly`));
      assert.match(r.stdout, /== Rollback/);
      assert.match(
        r.stdout,
        /\[.+\] back on the revision from before this run, healthy[\s\S]*\[.+\] back on the revision/,
      );
      assert.match(
        r.stderr,
        new RegExp(
          `gke-deploy cancelled by ${signal}: every changed cluster \\(2\\) was rolled back and is healthy`,
        ),
      );
      await assertOnV1(ns);
      const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
      assert.equal(summary.result, 'cancelled');
      assert.deepEqual(
        summary.clusters.map((c) => c.result),
        ['rolled_back', 'rolled_back'],
      );
      assert.deepEqual(run.leftovers(), [], 'secret files left behind');
      for (const cluster of [0, 1]) {
        const l = await lease(cluster, ns);
        assert.equal(l.spec.holderIdentity, undefined, 'the lock is given back');
        assert.equal(l.metadata.annotations?.['drone-gke/deploy-record'], undefined, 'no record left');
      }
      assertNoLeaks(r.output, [serviceAccountKey(tb)]);
    });
  }

  it('a second SIGTERM ends it at once, still removing its secret files; the next deploy repairs', async () => {
    const ns = uniqueNamespace('cancel2');
    const ws = workspace('web');
    await deployV1(ns, ws);
    const run = await start(ns, ws, 2, 'broken', { PLUGIN_CANCEL_GRACE: '60s' });
    await run.waitFor(BOTH_APPLIED);
    run.child.kill('SIGTERM');
    await run.waitFor(/received SIGTERM/);
    run.child.kill('SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 143, r.output);
    assert.match(r.stderr, /gke-deploy stopped by SIGTERM \(second signal\)/);
    assert.deepEqual(run.leftovers(), [], 'secret files left behind');
    // The record stays on at least the clusters whose rollback was not confirmed.
    const records = await Promise.all(
      [0, 1].map(async (c) => (await lease(c, ns)).metadata.annotations?.['drone-gke/deploy-record']),
    );
    assert.ok(
      records.some((x) => x !== undefined),
      'a record is left for the next run',
    );

    const next = await runPlugin('gke-deploy', env(ns, 3, 'v3'), ws);
    assert.equal(next.code, 0, next.output);
    assert.match(
      next.stderr,
      /acme\/web build 2 \(gke-deploy\), started .*, was stopped during its rollout: deployment\/web is between revisions/,
    );
    for (const cluster of [0, 1])
      assert.equal((await deploymentOf(tb, cluster, ns)).image, 'registry.local/app:v3');
  });

  it('SIGKILL (no grace): the record survives; rollback with no other settings repairs exactly that', async () => {
    const ns = uniqueNamespace('kill');
    const ws = workspace('web');
    await deployV1(ns, ws);
    rmSync(join(ws, '.drone-gke-deploy.json'));
    const run = await start(ns, ws, 2, 'broken');
    await run.waitFor(BOTH_APPLIED);
    run.child.kill('SIGKILL');
    const r = await run.done;
    assert.equal(r.signal, 'SIGKILL');
    assert.equal(existsSync(join(ws, '.drone-gke-deploy.json')), false, 'a killed run writes nothing');
    for (const cluster of [0, 1]) {
      const d = await deploymentOf(tb, cluster, ns);
      assert.equal(d.image, 'registry.local/app:broken', 'the kill left the broken rollout in place');
      const l = await lease(cluster, ns);
      assert.ok(l.metadata.annotations?.['drone-gke/deploy-record'], 'the record survives the kill');
    }
    // As a person would run it: cluster access only (no build, no target).
    const access = gkeEnv(tb, ns);
    for (const k of ['DRONE', 'DRONE_REPO', 'DRONE_COMMIT_AUTHOR', 'DRONE_BUILD_LINK']) delete access[k];
    const rb = await runPlugin('rollback', access, ws);
    assert.equal(rb.code, 0, rb.output);
    assert.match(
      rb.stderr,
      /acme\/web build 2 \(gke-deploy\), started .*, was stopped during its rollout: deployment\/web is between revisions \(\d\/3 updated/,
    );
    assert.match(rb.stdout, /deployment\/web going back to revision 1 \(registry\.local\/app:v1\)/);
    await assertOnV1(ns);
    const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    assert.equal(summary.plugin, 'rollback');
    assert.equal(summary.result, 'rolled_back');
    for (const cluster of [0, 1]) {
      const l = await lease(cluster, ns);
      assert.equal(l.metadata.annotations?.['drone-gke/deploy-record'], undefined, 'the record is cleared');
    }
    // Nothing is left to repair: a second plain rollback goes to the previous revision as usual.
  });

  it('SIGKILL, then on_abandoned: fail stops the next deploy; ignore goes on', async () => {
    const ns = uniqueNamespace('kill2');
    const ws = workspace('web');
    await deployV1(ns, ws);
    const run = await start(ns, ws, 2, 'broken');
    await run.waitFor(BOTH_APPLIED);
    run.child.kill('SIGKILL');
    await run.done;
    const failing = await runPlugin('gke-deploy', env(ns, 3, 'v3', { PLUGIN_ON_ABANDONED: 'fail' }), ws);
    assert.equal(failing.code, 1, failing.output);
    assert.match(
      failing.stderr,
      /was stopped during its rollout[\s\S]*on_abandoned: fail stops here: run the rollback plugin/,
    );
    for (const cluster of [0, 1])
      assert.equal((await deploymentOf(tb, cluster, ns)).image, 'registry.local/app:broken');
    const ignoring = await runPlugin('gke-deploy', env(ns, 4, 'v4', { PLUGIN_ON_ABANDONED: 'ignore' }), ws);
    assert.equal(ignoring.code, 0, ignoring.output);
    assert.match(ignoring.stderr, /on_abandoned: ignore leaves them as they are/);
    for (const cluster of [0, 1])
      assert.equal((await deploymentOf(tb, cluster, ns)).image, 'registry.local/app:v4');
  });

  it('SIGTERM while waiting for the lock: stops waiting, changes nothing, exits 143', async () => {
    const ns = uniqueNamespace('cancelw');
    const ws = workspace('web');
    await deployV1(ns, ws);
    const holder = await start(ns, ws, 2, 'broken');
    await holder.waitFor(BOTH_APPLIED);
    const waiter = await start(ns, workspace('web'), 3, 'v3');
    await waiter.waitFor(/is held by acme\/web build 2 \(gke-deploy\).*: waiting/);
    waiter.child.kill('SIGTERM');
    const w = await waiter.done;
    assert.equal(w.code, 143, w.output);
    assert.match(w.stderr, /cancelled by SIGTERM while waiting for the deploy lock/);
    holder.child.kill('SIGTERM');
    assert.equal((await holder.done).code, 143);
    await assertOnV1(ns);
  });
});
