// gke-deploy's metrics analysis end to end: the bundle against the testbed's two clusters and
// its real Prometheus, which scrapes the simulated service metrics of the pods really running
// there. A traffic rule on a test's own image tag makes that release serve errors.
import assert from 'node:assert/strict';
import { assertNoLeaks } from '../../helpers/canary.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import {
  clearGkeFaults,
  clearTrafficRules,
  setGkeFaults,
  setTrafficRules,
} from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  analysisEnv,
  clusterId,
  errorRateCheck,
  readDeploySummary,
  round6,
  uniqueTag,
} from './analysis-harness.ts';
import {
  bundled,
  deploymentOf,
  removeNamespaces,
  runPlugin,
  serviceAccountKey,
  uniqueNamespace,
  workspace,
} from './harness.ts';

const HEADER_SECRET = 'canary-analysis-header-5b7e21';

describe('gke-deploy analysis: judged by its metrics', function () {
  this.timeout(300_000);
  let tb: TestbedState;

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await useTestbed({ clusters: 2 });
    await bundled('gke-deploy');
  });
  afterEach(async () => {
    await clearTrafficRules(tb);
    await clearGkeFaults(tb);
    await removeNamespaces(tb);
  });

  /** v1 on both clusters, without analysis: what a bad release is rolled back to. */
  async function deployV1(ns: string, ws: string): Promise<void> {
    const env = analysisEnv(tb, ns, 1, 'v1');
    delete env.PLUGIN_ANALYSIS_ENDPOINT;
    const r = await runPlugin('gke-deploy', env, ws);
    assert.equal(r.code, 0, r.output);
  }

  async function assertOn(ns: string, cluster: number, image: string, build: string): Promise<void> {
    const d = await deploymentOf(tb, cluster, ns);
    assert.equal(d.image, image, `cluster ${cluster}`);
    assert.equal(d.spec.template.metadata.annotations?.['drone-gke/build-number'], build);
    assert.equal(d.status.readyReplicas, 3);
  }

  /** Build 2 of `tag` on both clusters, judged by the error-rate check (plus `extra` settings). */
  function release(ns: string, ws: string, tag: string, extra: Record<string, string> = {}) {
    const env = analysisEnv(tb, ns, 2, tag, {
      PLUGIN_ANALYSIS: JSON.stringify([errorRateCheck(tag)]),
      ...extra,
    });
    return runPlugin('gke-deploy', env, ws);
  }

  it('a healthy release passes every check on both clusters, canary first', async () => {
    const ns = uniqueNamespace('an-ok');
    const ws = workspace('web');
    const tag = uniqueTag('good');
    const r = await release(ns, ws, tag, { PLUGIN_PARALLEL: 'false' });
    assert.equal(r.code, 0, r.output);
    for (const c of [0, 1]) {
      assert.match(r.output, new RegExp(`\\[${clusterId(tb, c)}\\] error-rate 0 ≤ 0\\.05 \\(2/2\\)`));
      await assertOn(ns, c, `registry.local/app:${tag}`, '2');
    }
    // The canary is judged before the other cluster is touched.
    const canaryPassed = r.output.indexOf(`[${clusterId(tb, 0)}] error-rate 0 ≤ 0.05 (2/2)`);
    assert.ok(canaryPassed < r.output.indexOf('deploying to the other 1 cluster(s)'));
    assert.match(r.output, /== Analysis\ncheck +cluster +values +result\nerror-rate .* 0, 0 +passed/);
    const summary = readDeploySummary(ws);
    assert.equal(summary.result, 'deployed');
    assert.deepEqual(
      summary.analysis?.map((a) => [a.check, a.cluster, a.verdict, a.values.map(round6)]),
      [
        ['error-rate', clusterId(tb, 0), 'passed', [0, 0]],
        ['error-rate', clusterId(tb, 1), 'passed', [0, 0]],
      ],
    );
    assert.match(summary.analysis?.[0]?.query ?? '', new RegExp(`namespace="${ns}",deployment="web"`));
  });

  it('parallel false: 20 % errors on the canary roll it back; the other cluster is never touched', async () => {
    const ns = uniqueNamespace('an-canary');
    const ws = workspace('web');
    await deployV1(ns, ws);
    const tag = uniqueTag('broken');
    await setTrafficRules(tb, { tag, errorRatio: 0.2 });
    const r = await release(ns, ws, tag, { PLUGIN_PARALLEL: 'false' });
    assert.equal(r.code, 1, r.output);
    const canary = clusterId(tb, 0);
    assert.match(r.output, new RegExp(`\\[${canary}\\] error-rate 0\\.2 > max 0\\.05 \\(1/2\\)`));
    assert.match(
      r.output,
      new RegExp(`rolled back \\(analysis: error-rate on ${canary}: value 0\\.2 > max 0\\.05\\)`),
    );
    assert.doesNotMatch(r.output, /deploying to the other/);
    await assertOn(ns, 0, 'registry.local/app:v1', '1');
    await assertOn(ns, 1, 'registry.local/app:v1', '1');
    const summary = readDeploySummary(ws);
    assert.equal(summary.result, 'rolled_back');
    assert.equal(summary.message, `rolled back (analysis: error-rate on ${canary}: value 0.2 > max 0.05)`);
    assert.deepEqual(
      summary.clusters.map((c) => c.result),
      ['rolled_back', 'skipped'],
    );
    assert.deepEqual(
      summary.analysis?.map((a) => [a.cluster, a.verdict, a.values.map(round6), a.breach]),
      [[canary, 'failed', [0.2], 'value 0.2 > max 0.05']],
    );
  });

  it('parallel true: both clusters analysed after both rollouts, both rolled back', async () => {
    const ns = uniqueNamespace('an-par');
    const ws = workspace('web');
    await deployV1(ns, ws);
    const tag = uniqueTag('broken');
    await setTrafficRules(tb, { tag, errorRatio: 0.2 });
    const r = await release(ns, ws, tag, { PLUGIN_PARALLEL: 'true' });
    assert.equal(r.code, 1, r.output);
    for (const c of [0, 1]) await assertOn(ns, c, 'registry.local/app:v1', '1');
    const summary = readDeploySummary(ws);
    assert.equal(summary.result, 'rolled_back');
    assert.deepEqual(
      summary.clusters.map((c) => c.result),
      ['rolled_back', 'rolled_back'],
    );
    // Both measure at once: the first failure stops the other check, which has failed too by
    // then or ends as stopped.
    const verdicts = summary.analysis?.map((a) => a.verdict) ?? [];
    assert.ok(
      verdicts.includes('failed') && verdicts.every((v) => v === 'failed' || v === 'stopped'),
      r.output,
    );
    for (const a of summary.analysis?.filter((x) => x.verdict === 'failed') ?? []) {
      assert.match(r.output, new RegExp(`\\[${a.cluster}\\] error-rate 0\\.2 > max 0\\.05`));
    }
  });

  it('managed: queries the Managed Prometheus API with the step’s token; header secrets never printed', async () => {
    const ns = uniqueNamespace('an-gmp');
    const ws = workspace('web');
    const tag = uniqueTag('good');
    const r = await release(ns, ws, tag, {
      PLUGIN_ANALYSIS_ENDPOINT: 'managed',
      PLUGIN_MONITORING_ENDPOINT: tb.gke.url,
      PLUGIN_ANALYSIS_HEADERS: JSON.stringify({ 'X-Canary': HEADER_SECRET }),
      PLUGIN_DEBUG: 'true',
    });
    assert.equal(r.code, 0, r.output);
    for (const c of [0, 1]) {
      assert.match(r.output, new RegExp(`\\[${clusterId(tb, c)}\\] error-rate 0 ≤ 0\\.05 \\(2/2\\)`));
    }
    assert.equal(readDeploySummary(ws).analysis?.length, 2);
    assertNoLeaks(r.output, [serviceAccountKey(tb), HEADER_SECRET]);
  });

  it('managed: an answer refusing the credentials is a failed check; the release is rolled back', async () => {
    const ns = uniqueNamespace('an-gmp-403');
    const ws = workspace('web');
    await deployV1(ns, ws);
    const tag = uniqueTag('good');
    await setGkeFaults(tb, [403], '/prometheus/api/v1/query');
    const r = await release(ns, ws, tag, {
      PLUGIN_ANALYSIS_ENDPOINT: 'managed',
      PLUGIN_MONITORING_ENDPOINT: tb.gke.url,
    });
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.output,
      /error-rate the endpoint answered HTTP 403: the credentials' principal needs roles\/monitoring\.viewer/,
    );
    for (const c of [0, 1]) await assertOn(ns, c, 'registry.local/app:v1', '1');
    assert.equal(readDeploySummary(ws).result, 'rolled_back');
  });
});
