// rollback beside a deploy in progress, and rollback cancelled: it queues behind
// gke-deploy's lock, and on SIGTERM it stops waiting and says which clusters may still be
// between two revisions. The bundles run as child processes against both testbed clusters.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestbedState } from '../../testbed/state.ts';
import {
  deploymentOf,
  gkeEnv,
  HOLDING,
  holdLockEnv,
  runPlugin,
  uniqueNamespace,
  workspace,
} from '../gke-deploy/harness.ts';
import { startPlugin, useRunningPlugins } from '../gke-deploy/process.ts';

describe('rollback: the deploy lock and cancellation', function () {
  this.timeout(300_000);
  let tb: TestbedState;
  const running = useRunningPlugins(['gke-deploy', 'rollback'], (t) => {
    tb = t;
  });

  const deployEnv = (ns: string, build: number, tag: string, extra: Record<string, string> = {}) =>
    gkeEnv(tb, ns, {
      PLUGIN_CREATE_NAMESPACE: 'true',
      PLUGIN_VARS: JSON.stringify({ app: 'web', tag, deadline: 30 }),
      SECRET_API_TOKEN: 'canary-secret-rollback-lock-41',
      DRONE_BUILD_NUMBER: String(build),
      ...extra,
    });
  const deploy = async (ns: string, build: number, tag: string, extra: Record<string, string> = {}) => {
    const r = await runPlugin('gke-deploy', deployEnv(ns, build, tag, extra), workspace('web'));
    return r;
  };
  const images = async (ns: string) =>
    Promise.all([0, 1].map(async (c) => (await deploymentOf(tb, c, ns)).image));

  it('queues behind a deploy in progress, then goes back from what that deploy left', async () => {
    const ns = uniqueNamespace('rblock');
    for (const [build, tag] of [
      [1, 'v1'],
      [2, 'v2'],
    ] as const) {
      assert.equal((await deploy(ns, build, tag)).code, 0);
    }
    // The deploy keeps its lock for 15 s after its rollouts, however slowly rollback starts.
    const d = await startPlugin('gke-deploy', deployEnv(ns, 3, 'v3', holdLockEnv(tb, 15)), workspace('web'));
    running.push(d);
    await d.waitFor(HOLDING);
    const rb = await startPlugin('rollback', gkeEnv(tb, ns), workspace('web'));
    running.push(rb);
    const [rd, rr] = await Promise.all([d.done, rb.done]);
    assert.equal(rd.code, 0, rd.output);
    assert.equal(rr.code, 0, rr.output);
    assert.match(rr.stdout, /is held by acme\/web build 3 \(gke-deploy\).*: waiting/);
    // The rollback planned after the deploy finished: from build 3 back to build 2.
    assert.deepEqual(await images(ns), ['registry.local/app:v2', 'registry.local/app:v2']);
  });

  it('SIGTERM while waiting for a rollback that never gets healthy: exit 143, names the clusters left between revisions', async () => {
    const ns = uniqueNamespace('rbcancel');
    // History: a broken revision (kept: no automatic rollback), then a good one on top.
    assert.equal((await deploy(ns, 1, 'v1')).code, 0);
    const broken = await deploy(ns, 2, 'broken', {
      PLUGIN_ROLLBACK_ON_FAILURE: 'false',
      PLUGIN_TIMEOUT: '3s',
    });
    assert.equal(broken.code, 1, broken.output);
    assert.equal((await deploy(ns, 3, 'v3')).code, 0);
    // Going back one revision means going back to the broken one: it never becomes ready.
    const rb = await startPlugin('rollback', gkeEnv(tb, ns, { PLUGIN_CANCEL_GRACE: '1s' }), workspace('web'));
    running.push(rb);
    await rb.waitFor(/going back to revision/);
    await sleep(500);
    rb.child.kill('SIGTERM');
    const r = await rb.done;
    assert.equal(r.code, 143, r.output);
    assert.match(
      r.stderr,
      /rollback cancelled by SIGTERM: .+, .+ may be between two revisions \(the rollback was started, not confirmed healthy within cancel_grace\); run rollback again to finish it/,
    );
    assert.deepEqual(rb.leftovers(), []);
  });
});
