// rollback end to end: builds 1, 2 and 3 deployed with gke-deploy to both testbed clusters,
// then undone with the rollback bundle, as a pipeline step or a person with docker run would.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploySummary } from '../../../common/summary.ts';
import { assertNoLeaks } from '../../helpers/canary.ts';
import { patchGkeCluster, resetGkeCluster } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  deploymentOf,
  deployTestbed,
  gkeEnv,
  removeNamespaces,
  runPlugin,
  serviceAccountKey,
  uniqueNamespace,
  workspace,
} from '../gke-deploy/harness.ts';

describe('rollback against two clusters', function () {
  this.timeout(300_000);
  let tb: TestbedState;
  let ns: string;
  let ws: string;

  const builds = async (cluster: number) =>
    (await deploymentOf(tb, cluster, ns)).spec.template.metadata.annotations?.['drone-gke/build-number'];
  const rollback = (extra: Record<string, string> = {}, namespace = ns) =>
    runPlugin('rollback', gkeEnv(tb, namespace, extra), ws);

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await deployTestbed();
  });
  afterEach(() => removeNamespaces(tb));

  beforeEach(async () => {
    ns = uniqueNamespace('rb');
    ws = workspace('web');
    for (const build of [1, 2, 3]) {
      const r = await runPlugin(
        'gke-deploy',
        gkeEnv(tb, ns, {
          PLUGIN_CREATE_NAMESPACE: 'true',
          PLUGIN_VARS: JSON.stringify({ app: 'web', tag: `v${build}`, deadline: 30 }),
          SECRET_API_TOKEN: 'canary-secret-rollback-55',
          DRONE_BUILD_NUMBER: String(build),
        }),
        ws,
      );
      assert.equal(r.code, 0, r.output);
    }
  });

  it('goes back to the previous revision (build 2) everywhere, with a plan and a summary', async () => {
    const r = await rollback();
    assert.equal(r.code, 0, r.output);
    assert.match(
      r.stdout,
      /== Plan\ncluster +workload +now +after rollback\n.*registry\.local\/app:v3 \(build 3, revision 3\) +registry\.local\/app:v2 \(build 2, revision 2\)/,
    );
    for (const c of [0, 1]) {
      const d = await deploymentOf(tb, c, ns);
      assert.equal(d.image, 'registry.local/app:v2');
      assert.equal(d.status.readyReplicas, 3);
      assert.equal(await builds(c), '2');
    }
    const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    assert.equal(summary.plugin, 'rollback');
    assert.equal(summary.result, 'rolled_back');
    assert.deepEqual(summary.images, ['registry.local/app:v2']);
    assert.deepEqual(summary.clusters[0]?.workloads[0], {
      kind: 'Deployment',
      name: 'web',
      imagesBefore: ['registry.local/app:v3'],
      imagesAfter: ['registry.local/app:v2'],
      revisionBefore: 3,
      revisionAfter: 2,
      buildBefore: 3,
      buildAfter: 2,
    });
    assertNoLeaks(r.output, [serviceAccountKey(tb)]);
  });

  it('goes back to the revision of a Drone build (to_build: 1) everywhere', async () => {
    const r = await rollback({ PLUGIN_TO_BUILD: '1' });
    assert.equal(r.code, 0, r.output);
    for (const c of [0, 1]) {
      assert.equal((await deploymentOf(tb, c, ns)).image, 'registry.local/app:v1');
      assert.equal(await builds(c), '1');
    }
  });

  it('changes nothing and exits 1 for a build no cluster has', async () => {
    const r = await rollback({ PLUGIN_TO_BUILD: '99' });
    assert.equal(r.code, 1, r.output);
    assert.match(r.stderr, /rollback failed: build 99 is missing for 2 workload\(s\); nothing was changed/);
    assert.match(r.stderr, /has no revision deployed by build 99 \(builds kept: 1, 2, 3\)/);
    for (const c of [0, 1]) assert.equal(await builds(c), '3');
  });

  it('fails the plan before any change when one cluster cannot be reached', async () => {
    const down = tb.clusters[1]?.name as string;
    await patchGkeCluster(tb, down, { endpoint: '127.0.0.1:1' });
    try {
      const r = await rollback();
      assert.equal(r.code, 1, r.output);
      assert.match(r.stderr, /could not plan the rollback on 1 of 2 cluster\(s\); nothing was changed/);
    } finally {
      await resetGkeCluster(tb, down);
    }
    for (const c of [0, 1]) assert.equal(await builds(c), '3');
  });

  it('dry_run prints the plan and changes nothing', async () => {
    const r = await rollback({ PLUGIN_DRY_RUN: 'true', PLUGIN_TO_REVISION: '1' });
    assert.equal(r.code, 0, r.output);
    assert.match(r.stdout, /registry\.local\/app:v1 \(build 1, revision 1\)/);
    assert.match(r.stdout, /dry run: nothing was changed/);
    for (const c of [0, 1]) assert.equal(await builds(c), '3');
  });

  it('drone build rollback: DRONE_DEPLOY_TO picks the clusters from targets, the parent build is the target', async () => {
    const env = gkeEnv(tb, 'ignored', {
      PLUGIN_TARGETS: JSON.stringify({
        production: { clusters: tb.clusters.map((c) => `${c.location}/${c.name}`), namespace: ns },
        staging: { clusters: ['europe-west1/none'] },
      }),
      DRONE_BUILD_EVENT: 'rollback',
      DRONE_DEPLOY_TO: 'production',
      DRONE_BUILD_PARENT: '1',
    });
    delete env.PLUGIN_CLUSTERS;
    const r = await runPlugin('rollback', env, ws);
    assert.equal(r.code, 0, r.output);
    assert.match(r.stdout, /going back to build 1/);
    for (const c of [0, 1]) assert.equal(await builds(c), '1');

    env.DRONE_DEPLOY_TO = 'qa';
    const bad = await runPlugin('rollback', env, ws);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /setting "targets" \(PLUGIN_TARGETS\): has no entry for DRONE_DEPLOY_TO "qa" \(has: production, staging\)/,
    );
  });
});
