// The analysis wired into the rollout: each rolled-out cluster's variables and endpoint, the
// batch analysed against a stand-in Prometheus (stand-in.ts) with a fake clock, a failed check
// turned into its cluster's failure, and the result as the summary and the log show it.
import assert from 'node:assert/strict';
import { readBuildContext } from '../../../../../common/ci.ts';
import type { WorkloadRef } from '../../../../../common/kube/workloads.ts';
import { createLogger, memorySink } from '../../../../../common/log.ts';
import { clusterAnalyses } from '../../../../../plugins/gke-deploy/analysis/clusters.ts';
import type { AnalysisDeps } from '../../../../../plugins/gke-deploy/analysis/loop.ts';
import { analyseBatch } from '../../../../../plugins/gke-deploy/analysis/phase.ts';
import {
  analysisMessage,
  analysisSummary,
  renderAnalysisTable,
} from '../../../../../plugins/gke-deploy/analysis/report.ts';
import type { AnalysisSettings } from '../../../../../plugins/gke-deploy/analysis/settings.ts';
import type { ClusterOutcome, ClusterPlan } from '../../../../../plugins/gke-deploy/report.ts';
import { scalar } from './fixtures.ts';
import { type StandIn, startStandIn } from './stand-in.ts';

function plan(
  location: string,
  name: string,
  refs: WorkloadRef[] = [{ kind: 'Deployment', name: 'web' }],
): ClusterPlan {
  const target = {
    id: `${location}/${name}`,
    name,
    location,
    namespace: 'shop',
    kubeconfig: '',
    context: '',
    server: '',
  };
  return { target, refs, before: new Map() };
}

function settings(base: string): AnalysisSettings {
  const query =
    'errors{cluster="{{.cluster}}",deployment="{{.deployment}}",build="{{.build}}",image="{{.image}}"}';
  const check = { name: 'error-rate', query, max: 0.05, intervalMs: 1000, count: 2, failureLimit: 0 };
  return {
    checks: [{ ...check, onNoData: 'fail', delayMs: 1000 }],
    endpoint: { kind: 'url', url: base },
    headers: {},
    timeoutMs: 60_000,
  };
}

function fakeDeps(): AnalysisDeps & { sink: ReturnType<typeof memorySink> } {
  const sink = memorySink();
  let t = 0;
  return {
    sink,
    fetch: (url, init) => fetch(url, init),
    log: createLogger({ sink }),
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    signal: new AbortController().signal,
  };
}

const DEPLOYED: ClusterOutcome = { result: 'deployed', applied: true };
const ctx = readBuildContext({ DRONE_BUILD_NUMBER: '42' });
const images = new Map([['deployment/web', ['registry/web:v2']]]);

/** Resolves once `test` holds, checked every few ms. */
async function until(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((r) => setTimeout(r, 5));
}

describe('gke-deploy analysis: in the rollout', () => {
  let prom: StandIn;
  // prod-2 serves 12 % errors; prod-1 0.4 %. prod-2 answers only once prod-1 was asked twice:
  // its failure stops the batch's other checks, and the tests choose what prod-1 got to do.
  before(async () => {
    prom = await startStandIn(async (q) => {
      if (!q.includes('prod-2')) return { body: scalar('0.004') };
      await until(() => prom.requests.filter((r) => r.query.includes('prod-1')).length >= 2);
      return { body: scalar('0.12') };
    });
  });
  beforeEach(() => {
    prom.requests.length = 0;
  });
  after(() => prom.close());

  it('fills each cluster’s variables: its name, the first Deployment, its image, the build', () => {
    const deps = fakeDeps();
    const refs: WorkloadRef[] = [
      { kind: 'StatefulSet', name: 'front' },
      { kind: 'Deployment', name: 'web' },
      { kind: 'Deployment', name: 'worker' },
    ];
    const run = { ctx, images };
    const m = clusterAnalyses([plan('asia-northeast1', 'prod-1', refs)], settings(prom.base), run, deps.log);
    assert.deepEqual(m.get('asia-northeast1/prod-1')?.vars, {
      cluster: 'prod-1',
      location: 'asia-northeast1',
      namespace: 'shop',
      deployment: 'web',
      build: '42',
      image: 'registry/web:v2',
    });
    assert.match(deps.sink.text(), /\{\{\.deployment\}\} is web, the first of 2 Deployments/);
  });

  it('fails the cluster whose check breaches, leaves the others, skips clusters not rolled out', async () => {
    const deps = fakeDeps();
    const plans = [plan('asia-northeast1', 'prod-1'), plan('us-central1', 'prod-2'), plan('eu', 'prod-3')];
    const s = settings(prom.base);
    const clusters = clusterAnalyses(plans, s, { ctx, images }, deps.log);
    const skipped: ClusterOutcome = { result: 'skipped', applied: false };
    const r = await analyseBatch(plans, [DEPLOYED, DEPLOYED, skipped], { settings: s, deps, clusters });
    assert.deepEqual(r.outcomes, [
      DEPLOYED,
      {
        result: 'failed',
        applied: true,
        error: 'analysis: error-rate on us-central1/prod-2: value 0.12 > max 0.05',
      },
      skipped,
    ]);
    assert.deepEqual(
      r.results.map((x) => [x.cluster, x.verdict, x.values]),
      [
        ['asia-northeast1/prod-1', 'passed', [0.004, 0.004]],
        ['us-central1/prod-2', 'failed', [0.12]],
      ],
    );
    assert.equal(
      r.results[0]?.query,
      'errors{cluster="prod-1",deployment="web",build="42",image="registry/web:v2"}',
    );
    assert.ok(!prom.requests.some((q) => q.query.includes('prod-3')));

    assert.deepEqual(analysisMessage('rolled_back', r.results), {
      message: 'rolled back (analysis: error-rate on us-central1/prod-2: value 0.12 > max 0.05)',
    });
    assert.deepEqual(analysisMessage('deployed', r.results), {});
    assert.deepEqual(analysisSummary(r.results).analysis?.[1], {
      check: 'error-rate',
      cluster: 'us-central1/prod-2',
      query: 'errors{cluster="prod-2",deployment="web",build="42",image="registry/web:v2"}',
      values: [0.12],
      verdict: 'failed',
      breach: 'value 0.12 > max 0.05',
    });
    assert.deepEqual(analysisSummary([]), {});
    assert.equal(
      renderAnalysisTable(analysisSummary(r.results).analysis ?? []),
      [
        'check       cluster                 values        result',
        'error-rate  asia-northeast1/prod-1  0.004, 0.004  passed',
        'error-rate  us-central1/prod-2      0.12          FAILED: value 0.12 > max 0.05',
      ].join('\n'),
    );
  });

  it('the first failed check stops the others: they end as stopped, with what they measured', async () => {
    const deps = fakeDeps();
    const plans = [plan('asia-northeast1', 'prod-1'), plan('us-central1', 'prod-2')];
    const base = settings(prom.base);
    const s = { ...base, checks: base.checks.map((c) => ({ ...c, count: 50 })) };
    const clusters = clusterAnalyses(plans, s, { ctx, images }, deps.log);
    const r = await analyseBatch(plans, [DEPLOYED, DEPLOYED], { settings: s, deps, clusters });
    const [first, second] = r.results;
    assert.equal(first?.verdict, 'stopped');
    assert.ok((first?.values.length ?? 0) >= 2 && (first?.values.length ?? 99) < 50, String(first?.values));
    assert.deepEqual([second?.verdict, second?.values], ['failed', [0.12]]);
    assert.deepEqual(r.outcomes[0], DEPLOYED);
    assert.equal(r.outcomes[1]?.result, 'failed');
    assert.deepEqual(analysisMessage('rolled_back', r.results), {
      message: 'rolled back (analysis: error-rate on us-central1/prod-2: value 0.12 > max 0.05)',
    });
    assert.match(
      renderAnalysisTable(analysisSummary(r.results).analysis ?? []),
      /error-rate {2}asia-northeast1\/prod-1 {2}(0\.004, )+0\.004 +stopped: another check failed\n/,
    );
  });

  it('does nothing without checks or without a cluster rolled out', async () => {
    const deps = fakeDeps();
    const plans = [plan('asia-northeast1', 'prod-1')];
    const failed: ClusterOutcome = { result: 'failed', applied: true, error: 'x' };
    assert.deepEqual(await analyseBatch(plans, [DEPLOYED], undefined), { outcomes: [DEPLOYED], results: [] });
    const s = settings(prom.base);
    const clusters = clusterAnalyses(plans, s, { ctx, images }, deps.log);
    const r = await analyseBatch(plans, [failed], { settings: s, deps, clusters });
    assert.deepEqual(r, { outcomes: [failed], results: [] });
  });
});
