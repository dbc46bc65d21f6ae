// gke-deploy's metrics analysis when the answers are not simple: no data (fail, pass, retry
// as configured), an endpoint that is down, a query answering two series, and a cancel while
// the analysis runs. The bundle runs against the testbed's two clusters and its Prometheus.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { clearTrafficRules, setTrafficRules } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import { analysisEnv, clusterId, errorRateCheck, readDeploySummary, uniqueTag } from './analysis-harness.ts';
import { deploymentOf, namespaceExists, runPlugin, uniqueNamespace, workspace } from './harness.ts';
import { startPlugin, useRunningPlugins } from './process.ts';

/** A query about a Deployment that does not exist: always an empty vector. */
const NO_DATA = 'sum(rate(http_requests_total{namespace="{{.namespace}}",deployment="nothing-here"}[5s]))';

/** A port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('gke-deploy analysis: no data, errors and cancels', function () {
  this.timeout(300_000);
  let tb: TestbedState;
  const running = useRunningPlugins(['gke-deploy'], (t) => {
    tb = t;
  });
  afterEach(() => clearTrafficRules(tb));

  async function deployV1(ns: string, ws: string): Promise<void> {
    const env = analysisEnv(tb, ns, 1, 'v1');
    delete env.PLUGIN_ANALYSIS_ENDPOINT;
    const r = await runPlugin('gke-deploy', env, ws);
    assert.equal(r.code, 0, r.output);
  }

  async function assertOnV1(ns: string): Promise<void> {
    for (const c of [0, 1]) {
      const d = await deploymentOf(tb, c, ns);
      assert.equal(d.image, 'registry.local/app:v1', `cluster ${c}`);
      assert.equal(d.status.readyReplicas, 3);
    }
  }

  /** A release of a fresh tag after v1, with `checks` and any other settings. */
  async function release(ns: string, ws: string, checks: unknown[], extra: Record<string, string> = {}) {
    const tag = uniqueTag('rel');
    const env = analysisEnv(tb, ns, 2, tag, { PLUGIN_ANALYSIS: JSON.stringify(checks), ...extra });
    return runPlugin('gke-deploy', env, ws);
  }

  it('no data: fail rolls back, pass deploys, retry runs out at analysis_timeout', async () => {
    const ns = uniqueNamespace('an-nodata');
    const ws = workspace('web');
    await deployV1(ns, ws);
    const fail = await release(ns, ws, [errorRateCheck('x', { query: NO_DATA, on_no_data: 'fail' })]);
    assert.equal(fail.code, 1, fail.output);
    assert.match(
      fail.output,
      /error-rate no data \(an empty vector\): a failure \(on_no_data: fail\) \(1\/2\)/,
    );
    assert.match(
      readDeploySummary(ws).message ?? '',
      /analysis: error-rate on .*: no data \(an empty vector\)/,
    );
    await assertOnV1(ns);

    const retry = await release(ns, ws, [errorRateCheck('x', { query: NO_DATA, on_no_data: 'retry' })], {
      PLUGIN_ANALYSIS_TIMEOUT: '5s',
      PLUGIN_PARALLEL: 'true',
    });
    assert.equal(retry.code, 1, retry.output);
    assert.match(retry.output, /not counted, tried again \(on_no_data: retry\) \(0\/2\)/);
    assert.match(retry.stderr, /analysis_timeout ran out after 0 of 2 measurements \(no data\)/);
    await assertOnV1(ns);

    const pass = await release(ns, ws, [errorRateCheck('x', { query: NO_DATA, on_no_data: 'pass' })]);
    assert.equal(pass.code, 0, pass.output);
    assert.match(pass.output, /no data \(an empty vector\): passes, as on_no_data is pass \(2\/2\)/);
    assert.deepEqual(
      readDeploySummary(ws).analysis?.map((a) => [a.verdict, a.values]),
      [
        ['passed', [null, null]],
        ['passed', [null, null]],
      ],
    );
  });

  it('an endpoint that stays down is a failed check, never a pass', async () => {
    const ns = uniqueNamespace('an-down');
    const ws = workspace('web');
    await deployV1(ns, ws);
    const r = await release(ns, ws, [errorRateCheck('x', { on_no_data: 'fail' })], {
      PLUGIN_ANALYSIS_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
    });
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.output,
      /error-rate no data \(the endpoint did not answer: request failed: fetch failed: .*ECONNREFUSED/,
    );
    assert.equal(readDeploySummary(ws).result, 'rolled_back');
    await assertOnV1(ns);
  });

  it('a query answering two series: a clear error naming them, and a rollback', async () => {
    const ns = uniqueNamespace('an-two');
    const ws = workspace('web');
    await deployV1(ns, ws);
    const bySeries = 'sum by (code) (http_requests_total{namespace="{{.namespace}}"})';
    const r = await release(ns, ws, [errorRateCheck('x', { query: bySeries, on_no_data: 'fail' })]);
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.output,
      /a vector of 2 series: \{code="(200|500)"\} \S+, \{code="(200|500)"\} \S+; the query must return one number: aggregate it/,
    );
    await assertOnV1(ns);
  });

  it('cancelled during the analysis: the canary is rolled back, the other cluster never touched', async () => {
    const ns = uniqueNamespace('an-cancel');
    const ws = workspace('web');
    await deployV1(ns, ws);
    const tag = uniqueTag('slow');
    const checks = [errorRateCheck(tag, { count: 30 })];
    const env = analysisEnv(tb, ns, 2, tag, {
      PLUGIN_ANALYSIS: JSON.stringify(checks),
      PLUGIN_PARALLEL: 'false',
      PLUGIN_ANALYSIS_TIMEOUT: '2m',
    });
    const run = await startPlugin('gke-deploy', env, ws);
    running.push(run);
    await run.waitFor(new RegExp(`\\[${clusterId(tb, 0)}\\] error-rate 0 ≤ 0\\.05 \\(1/30\\)`));
    run.child.kill('SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 143, r.output);
    assert.match(r.output, /== Rollback/);
    assert.match(r.stderr, /gke-deploy cancelled by SIGTERM: every changed cluster \(1\) was rolled back/);
    await assertOnV1(ns);
    const summary = readDeploySummary(ws);
    assert.equal(summary.result, 'cancelled');
    assert.deepEqual(
      summary.clusters.map((c) => c.result),
      ['rolled_back', 'skipped'],
    );
    assert.equal(summary.analysis?.[0]?.verdict, 'cancelled');
  });

  it('a kubeconfig cluster missing from a per-cluster endpoint: exit 1, no namespace created', async () => {
    // With GKE clusters the settings check names the missing one; a kubeconfig's clusters are
    // known only once it is read, after the settings, but still before anything is done.
    const ns = uniqueNamespace('an-nourl');
    const ws = workspace('web');
    const tag = uniqueTag('rel');
    const env = analysisEnv(tb, ns, 1, tag, {
      PLUGIN_ANALYSIS: JSON.stringify([errorRateCheck(tag)]),
      PLUGIN_ANALYSIS_ENDPOINT: JSON.stringify({ 'some-other-cluster': tb.prometheus.url }),
      PLUGIN_KUBECONFIG: readFileSync(tb.clusters[0]?.adminKubeconfig as string, 'utf8'),
    });
    for (const k of ['PLUGIN_CLUSTERS', 'PLUGIN_TOKEN', 'PLUGIN_GKE_ENDPOINT', 'PLUGIN_TOKEN_URL'])
      delete env[k];
    const r = await runPlugin('gke-deploy', env, ws);
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.stderr,
      /analysis_endpoint has no URL for cluster "[^"]+" \(it names some-other-cluster\); add/,
    );
    assert.doesNotMatch(r.output, /== Preflight/);
    assert.equal(await namespaceExists(tb, 0, ns), false);
  });

  it('a second deploy during the analysis waits for the lock: the judged release goes back, then it deploys', async () => {
    const ns = uniqueNamespace('an-race');
    const ws = workspace('web');
    await deployV1(ns, ws);
    const bad = uniqueTag('bad');
    await setTrafficRules(tb, { tag: bad, errorRatio: 0.2 });
    const judged = await startPlugin(
      'gke-deploy',
      // Six measurements a second apart, failing only at the sixth: the second run starts
      // with at least 5 s of analysis left, however slowly it starts.
      analysisEnv(tb, ns, 2, bad, {
        PLUGIN_ANALYSIS: JSON.stringify([{ ...errorRateCheck(bad, { count: 6 }), failure_limit: 5 }]),
      }),
      ws,
    );
    running.push(judged);
    await judged.waitFor(/error-rate 0\.2 > max 0\.05 \(1\/6\)/);
    const good = uniqueTag('good');
    const ws2 = workspace('web');
    const env = analysisEnv(tb, ns, 3, good);
    delete env.PLUGIN_ANALYSIS_ENDPOINT;
    const next = await startPlugin('gke-deploy', env, ws2);
    running.push(next);
    const [rj, rn] = await Promise.all([judged.done, next.done]);
    assert.equal(rj.code, 1, rj.output);
    assert.equal(readDeploySummary(ws).result, 'rolled_back');
    assert.equal(rn.code, 0, rn.output);
    // It queued behind the analysis, not only behind the rollout.
    assert.match(rn.output, /is held by \S+ build 2 \(gke-deploy\).*: waiting/);
    assert.equal(readDeploySummary(ws2).result, 'deployed');
    for (const c of [0, 1]) {
      const d = await deploymentOf(tb, c, ns);
      assert.equal(d.image, `registry.local/app:${good}`, `cluster ${c}`);
      assert.equal(d.status.readyReplicas, 3);
    }
  });
});
