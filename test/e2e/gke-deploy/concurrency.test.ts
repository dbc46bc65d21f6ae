// Two pipelines deploying the same Deployment to the same two clusters at once. With the
// lock (the default) they queue; with lock: off, a run whose workloads another deploy
// replaced says so and rolls nothing back over it. Every case ends with both clusters on
// one known image, and every run's exit code and summary telling the truth.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeploySummary } from '../../../common/summary.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  deploymentOf,
  gkeEnv,
  HOLDING,
  holdLockEnv,
  runPlugin,
  uniqueNamespace,
  workspace,
} from './harness.ts';
import { startPlugin, useRunningPlugins } from './process.ts';

describe('gke-deploy: two deploys at once', function () {
  this.timeout(300_000);
  let tb: TestbedState;
  const running = useRunningPlugins(['gke-deploy'], (t) => {
    tb = t;
  });

  const env = (ns: string, build: number, tag: string, extra: Record<string, string> = {}) =>
    gkeEnv(tb, ns, {
      PLUGIN_CREATE_NAMESPACE: 'true',
      PLUGIN_VARS: JSON.stringify({ app: 'web', tag, deadline: 6 }),
      SECRET_API_TOKEN: 'canary-api-token-race-9c2f',
      DRONE_BUILD_NUMBER: String(build),
      ...extra,
    });

  async function start(ns: string, build: number, tag: string, extra: Record<string, string> = {}) {
    const ws = workspace('web');
    const r = await startPlugin('gke-deploy', env(ns, build, tag, extra), ws);
    running.push(r);
    return { run: r, ws };
  }
  const summaryOf = (ws: string) =>
    JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;

  async function imagesOnClusters(ns: string): Promise<string[]> {
    const out: string[] = [];
    for (const cluster of [0, 1]) {
      const d = await deploymentOf(tb, cluster, ns);
      assert.equal(d.status.readyReplicas, 3, `cluster ${cluster} healthy`);
      assert.equal(d.status.updatedReplicas, 3, `cluster ${cluster} fully rolled out`);
      out.push(d.image as string);
    }
    return out;
  }

  async function baseline(ns: string): Promise<void> {
    const r = await runPlugin('gke-deploy', env(ns, 1, 'v1'), workspace('web'));
    assert.equal(r.code, 0, r.output);
  }

  it('v2 and v3 started together: they queue; both succeed; both clusters end on the later one', async () => {
    const ns = uniqueNamespace('race');
    await baseline(ns);
    const [a, b] = await Promise.all([start(ns, 2, 'v2'), start(ns, 3, 'v3')]);
    const [ra, rb] = await Promise.all([a.run.done, b.run.done]);
    assert.equal(ra.code, 0, ra.output);
    assert.equal(rb.code, 0, rb.output);
    // The one that waited for the lock deployed last.
    const waited = [ra, rb].map((r) =>
      /is held by acme\/web build \d \(gke-deploy\).*: waiting/.test(r.output),
    );
    assert.equal(waited.filter(Boolean).length, 1, `exactly one run waited:\n${ra.output}\n${rb.output}`);
    const last = waited[0] ? 'v2' : 'v3';
    assert.deepEqual(await imagesOnClusters(ns), [
      `registry.local/app:${last}`,
      `registry.local/app:${last}`,
    ]);
    for (const [x, tag] of [
      [a, 'v2'],
      [b, 'v3'],
    ] as const) {
      const s = summaryOf(x.ws);
      assert.equal(s.result, 'deployed');
      assert.deepEqual(s.images, [`registry.local/app:${tag}`]);
    }
  });

  it('a broken image 2 s before a good one: broken rolls back and exits 1, then the good one deploys', async () => {
    const ns = uniqueNamespace('race2');
    await baseline(ns);
    const broken = await start(ns, 2, 'broken');
    await sleep(2000);
    const good = await start(ns, 3, 'v3');
    const [rb, rg] = await Promise.all([broken.run.done, good.run.done]);
    assert.equal(rb.code, 1, rb.output);
    assert.equal(rg.code, 0, rg.output);
    assert.match(rg.output, /is held by acme\/web build 2 \(gke-deploy\)/);
    assert.equal(summaryOf(broken.ws).result, 'rolled_back');
    assert.equal(summaryOf(good.ws).result, 'deployed');
    assert.deepEqual(await imagesOnClusters(ns), ['registry.local/app:v3', 'registry.local/app:v3']);
  });

  it('a good v2, a broken image 0.3 s later: v2 stays deployed, the broken one rolls back to v2', async () => {
    const ns = uniqueNamespace('race3');
    await baseline(ns);
    const good = await start(ns, 2, 'v2');
    await sleep(300);
    const broken = await start(ns, 3, 'broken');
    const [rg, rb] = await Promise.all([good.run.done, broken.run.done]);
    assert.equal(rg.code, 0, rg.output);
    assert.equal(rb.code, 1, rb.output);
    assert.equal(summaryOf(good.ws).result, 'deployed');
    const sb = summaryOf(broken.ws);
    assert.equal(sb.result, 'rolled_back');
    assert.deepEqual(
      sb.clusters.map((c) => c.workloads[0]?.imagesBefore),
      [['registry.local/app:v2'], ['registry.local/app:v2']],
      'the broken run saw v2 as its starting point',
    );
    assert.deepEqual(await imagesOnClusters(ns), ['registry.local/app:v2', 'registry.local/app:v2']);
  });

  it('lock: fail does not queue: exit 1 naming the holder, nothing changed by it', async () => {
    const ns = uniqueNamespace('lockfail');
    await baseline(ns);
    // The holder keeps its lock for 15 s after its rollouts, however slowly the other starts.
    const holder = await start(ns, 2, 'v2', holdLockEnv(tb, 15));
    await holder.run.waitFor(HOLDING);
    const r = await runPlugin('gke-deploy', env(ns, 3, 'v3', { PLUGIN_LOCK: 'fail' }), workspace('web'));
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.stderr,
      /preflight failed on \d of 2 cluster\(s\); nothing was applied anywhere:[\s\S]*held by acme\/web build 2 \(gke-deploy\)[\s\S]*lock: fail does not wait/,
    );
    assert.equal((await holder.run.done).code, 0);
    assert.deepEqual(await imagesOnClusters(ns), ['registry.local/app:v2', 'registry.local/app:v2']);
  });

  it('lock: off: a run whose rollout another deploy replaced says "superseded" and rolls nothing back', async () => {
    const ns = uniqueNamespace('supersede');
    await baseline(ns);
    // The first run's rollout never gets ready (a long deadline): it is still waiting when
    // the second run's v3 replaces it.
    const first = await startPlugin(
      'gke-deploy',
      gkeEnv(tb, ns, {
        PLUGIN_LOCK: 'off',
        PLUGIN_VARS: JSON.stringify({ app: 'web', tag: 'broken', deadline: 600 }),
        SECRET_API_TOKEN: 'canary-api-token-race-9c2f',
        DRONE_BUILD_NUMBER: '2',
        PLUGIN_TIMEOUT: '2m',
      }),
      workspace('web'),
    );
    running.push(first);
    await first.waitFor(/deployment\.apps\/web configured[\s\S]*deployment\.apps\/web configured/);
    const second = await start(ns, 3, 'v3', { PLUGIN_LOCK: 'off' });
    const [r1, r2] = await Promise.all([first.done, second.run.done]);
    assert.equal(r2.code, 0, r2.output);
    assert.equal(r1.code, 1, r1.output);
    assert.match(r1.stderr, /another deploy replaced this run's workloads; nothing of it was rolled back/);
    assert.match(r1.output, /deployment\/web was superseded by build 3 \(registry\.local\/app:v3\)/);
    assert.doesNotMatch(r1.stdout, /going back to|rolled back to revision/);
    assert.equal(summaryOf(second.ws).result, 'deployed');
    assert.deepEqual(await imagesOnClusters(ns), ['registry.local/app:v3', 'registry.local/app:v3']);
  });
});
