// The analysis loop against a stand-in Prometheus on 127.0.0.1 (stand-in.ts), with a fake
// clock: delays, intervals and backoff cost no real time.
import assert from 'node:assert/strict';
import { createLogger, memorySink } from '../../../../../common/log.ts';
import { analyzeCluster, endpointFor } from '../../../../../plugins/gke-deploy/analysis/analyze.ts';
import { type AnalysisDeps, runCheck } from '../../../../../plugins/gke-deploy/analysis/loop.ts';
import type { AnalysisCheck, AnalysisSettings } from '../../../../../plugins/gke-deploy/analysis/settings.ts';
import { scalar, vector } from './fixtures.ts';
import { type Answer, type StandIn, startStandIn } from './stand-in.ts';

const CLUSTER = 'asia-northeast1/web';

function check(over: Partial<AnalysisCheck> = {}): AnalysisCheck {
  return {
    name: 'error-rate',
    query: 'errors',
    max: 0.05,
    intervalMs: 30_000,
    count: 3,
    failureLimit: 0,
    onNoData: 'fail',
    delayMs: 30_000,
    ...over,
  };
}

function fakeDeps(signal = new AbortController().signal) {
  const sink = memorySink();
  let t = 0;
  const sleeps: number[] = [];
  const deps: AnalysisDeps = {
    fetch: (url, init) => fetch(url, init),
    log: createLogger({ sink }),
    now: () => t,
    sleep: async (ms, s) => {
      sleeps.push(ms);
      if (!s.aborted) t += ms;
    },
    signal,
  };
  return { deps, sink, sleeps, elapsed: () => t };
}

describe('gke-deploy analysis: the loop', () => {
  let prom: StandIn | undefined;
  const serve = async (answer: (query: string, n: number) => Answer, prefix?: string) => {
    prom = await startStandIn(answer, prefix);
    return prom;
  };
  afterEach(async () => {
    await prom?.close();
    prom = undefined;
  });
  const run = (p: StandIn, c: AnalysisCheck, deps: AnalysisDeps, timeoutMs = 600_000) =>
    runCheck(
      { check: c, cluster: CLUSTER, query: c.query, endpoint: { base: p.base, headers: {} }, timeoutMs },
      deps,
    );

  it('passes after count measurements interval apart, printing each', async () => {
    const values = ['0.004', '0.01', '0.002'];
    const p = await serve((_q, n) => ({ body: vector([{ app: 'web' }, values[n] as string]) }));
    const f = fakeDeps();
    const r = await run(p, check(), f.deps);
    assert.deepEqual(r, {
      name: 'error-rate',
      cluster: CLUSTER,
      query: 'errors',
      values: [0.004, 0.01, 0.002],
      verdict: 'passed',
    });
    assert.equal(f.elapsed(), 30_000 + 2 * 30_000);
    assert.match(f.sink.text(), /\[asia-northeast1\/web\] error-rate 0\.004 ≤ 0\.05 \(1\/3\)/);
    assert.match(f.sink.text(), /\[asia-northeast1\/web\] error-rate 0\.01 ≤ 0\.05 \(2\/3\)/);
    assert.equal(p.requests.length, 3);
  });

  it('fails at the first breach past failure_limit, with the breach text', async () => {
    const p = await serve(() => ({ body: scalar('0.12') }));
    const f = fakeDeps();
    const r = await run(p, check(), f.deps);
    assert.equal(r.verdict, 'failed');
    assert.equal(r.breach, 'value 0.12 > max 0.05');
    assert.deepEqual(r.values, [0.12]);
    assert.equal(p.requests.length, 1);
    assert.match(f.sink.text(), /error-rate 0\.12 > max 0\.05 \(1\/3\)/);
  });

  it('tolerates failure_limit breaches, and checks min', async () => {
    const values = ['5', '20', '30'];
    const p = await serve((_q, n) => ({ body: scalar(values[n] as string) }));
    const f = fakeDeps();
    const r = await run(p, check({ name: 'rps', min: 10, max: undefined, failureLimit: 1 }), f.deps);
    assert.equal(r.verdict, 'passed');
    assert.deepEqual(r.values, [5, 20, 30]);
    assert.match(f.sink.text(), /rps 5 < min 10 \(1\/3\)/);
    assert.match(f.sink.text(), /rps 20 ≥ 10 \(2\/3\)/);
  });

  it('fails at once on a vector of two series, saying what came back', async () => {
    const p = await serve(() => ({ body: vector([{ code: '500' }, '0.2'], [{ code: '200' }, '0.8']) }));
    const r = await run(p, check({ failureLimit: 5 }), fakeDeps().deps);
    assert.equal(r.verdict, 'failed');
    assert.match(r.breach ?? '', /^a vector of 2 series: \{code="500"\} 0\.2, \{code="200"\} 0\.8/);
  });

  it('fails on a query Prometheus refuses (HTTP 400), without retrying', async () => {
    const body = JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' });
    const p = await serve(() => ({ status: 400, body }));
    const r = await run(p, check(), fakeDeps().deps);
    assert.equal(r.breach, 'Prometheus refused the query: bad_data: parse error');
    assert.equal(p.requests.length, 1);
  });

  describe('no data', () => {
    it('fail: a measurement without data is a failure', async () => {
      const p = await serve(() => ({ body: vector() }));
      const f = fakeDeps();
      const r = await run(p, check(), f.deps);
      assert.equal(r.verdict, 'failed');
      assert.equal(r.breach, 'no data (an empty vector)');
      assert.deepEqual(r.values, [null]);
    });

    it('pass: it counts and passes, with a warning line', async () => {
      const p = await serve(() => ({ body: scalar('NaN') }));
      const f = fakeDeps();
      const r = await run(p, check({ onNoData: 'pass' }), f.deps);
      assert.equal(r.verdict, 'passed');
      assert.deepEqual(r.values, [null, null, null]);
      assert.match(f.sink.text(), /error-rate no data \(NaN\): passes, as on_no_data is pass \(3\/3\)/);
    });

    it('retry: it does not count and is tried next interval', async () => {
      const p = await serve((_q, n) => ({ body: n < 2 ? vector() : scalar('0.01') }));
      const f = fakeDeps();
      const r = await run(p, check({ onNoData: 'retry' }), f.deps);
      assert.equal(r.verdict, 'passed');
      assert.deepEqual(r.values, [0.01, 0.01, 0.01]);
      assert.equal(p.requests.length, 5);
      assert.equal(f.elapsed(), 30_000 + 4 * 30_000);
      assert.match(
        f.sink.text(),
        /no data \(an empty vector\): not counted, tried again \(on_no_data: retry\) \(0\/3\)/,
      );
    });

    it('retry: it fails when analysis_timeout runs out', async () => {
      const p = await serve(() => ({ body: vector() }));
      const f = fakeDeps();
      const r = await run(p, check({ onNoData: 'retry' }), f.deps, 120_000);
      assert.equal(r.verdict, 'failed');
      assert.equal(r.breach, 'analysis_timeout ran out after 0 of 3 measurements (no data)');
      assert.ok(f.elapsed() <= 120_000, String(f.elapsed()));
    });
  });

  describe('an endpoint that fails', () => {
    it('is tried again with backoff within the interval (HTTP 503, then an answer)', async () => {
      const p = await serve((_q, n) =>
        n < 2 ? { status: 503, body: 'unavailable' } : { body: scalar('0.01') },
      );
      const f = fakeDeps();
      const r = await run(p, check({ count: 1 }), f.deps);
      assert.equal(r.verdict, 'passed');
      assert.equal(p.requests.length, 3);
      assert.deepEqual(f.sleeps, [30_000, 500, 1000]);
    });

    it('that stays down is no data, and on_no_data fail fails the check', async () => {
      const p = await serve(() => ({ status: 502, body: 'bad gateway' }));
      const f = fakeDeps();
      const r = await run(p, check({ count: 1, intervalMs: 10_000 }), f.deps);
      assert.equal(r.verdict, 'failed');
      assert.equal(r.breach, 'no data (the endpoint did not answer: HTTP 502)');
      assert.ok(f.elapsed() - 30_000 < 10_000, String(f.elapsed()));
      assert.equal(p.requests.length, 5);
    });

    it('refusing connections is no data, never a silent pass', async () => {
      const p = await serve(() => ({ body: scalar('0') }));
      const base = p.base;
      await p.close();
      prom = undefined;
      const f = fakeDeps();
      const c = check({ count: 1, intervalMs: 2000 });
      const r = await runCheck(
        { check: c, cluster: CLUSTER, query: 'errors', endpoint: { base, headers: {} }, timeoutMs: 60_000 },
        f.deps,
      );
      assert.equal(r.verdict, 'failed');
      assert.match(
        r.breach ?? '',
        /^no data \(the endpoint did not answer: request failed: fetch failed: .*ECONNREFUSED/,
      );
    });

    it('answering HTTP 401 fails at once, naming analysis_headers', async () => {
      const p = await serve(() => ({ status: 401, body: 'no' }));
      const r = await run(p, check(), fakeDeps().deps);
      assert.equal(r.breach, 'the endpoint answered HTTP 401: check analysis_headers');
    });
  });

  it('stops at once when the run is cancelled', async () => {
    const p = await serve(() => ({ body: scalar('0.01') }));
    const stop = new AbortController();
    const f = fakeDeps(stop.signal);
    const sleep = f.deps.sleep;
    f.deps.sleep = async (ms, s) => {
      if (p.requests.length === 1) stop.abort();
      await sleep(ms, s);
    };
    const r = await run(p, check(), f.deps);
    assert.equal(r.verdict, 'cancelled');
    assert.equal(p.requests.length, 1);
    assert.deepEqual(r.values, [0.01]);
  });

  it('analyzes a cluster: queries rendered with its variables, headers sent, checks side by side', async () => {
    const p = await serve((q) => ({ body: scalar(q.startsWith('latency') ? '0.9' : '0.001') }));
    const f = fakeDeps();
    const settings: AnalysisSettings = {
      checks: [
        check({ query: 'errors{cluster="{{.cluster}}",ns="{{.namespace}}",image="{{.image}}"}', count: 2 }),
        check({
          name: 'latency',
          query: 'latency{deployment="{{.deployment}}",build="{{.build}}"}',
          max: 0.3,
        }),
      ],
      endpoint: { kind: 'url', url: p.base },
      headers: { 'X-Scope-OrgID': 'team-a' },
      timeoutMs: 600_000,
    };
    const endpoint = endpointFor(settings.endpoint as never, CLUSTER, settings.headers);
    const vars = {
      cluster: 'web',
      location: 'asia-northeast1',
      namespace: 'shop',
      deployment: 'web',
      build: '42',
      image: 'gcr.io/p/web:v2',
    };
    const results = await analyzeCluster({ cluster: CLUSTER, vars, endpoint }, settings, f.deps);
    assert.deepEqual(
      results.map((r) => [r.name, r.verdict, r.query, r.breach]),
      [
        ['error-rate', 'passed', 'errors{cluster="web",ns="shop",image="gcr.io/p/web:v2"}', undefined],
        ['latency', 'failed', 'latency{deployment="web",build="42"}', 'value 0.9 > max 0.3'],
      ],
    );
    assert.ok(p.requests.every((r) => r.headers['x-scope-orgid'] === 'team-a'));
    assert.match(f.sink.text(), /\[asia-northeast1\/web\] latency failed: value 0\.9 > max 0\.3/);
  });

  it('queries Managed Prometheus with a bearer token from the caller', async () => {
    const prefix = '/v1/projects/my-project-123/location/global/prometheus';
    const p = await serve(() => ({ body: scalar('0') }), prefix);
    const root = p.base.slice(0, -prefix.length);
    const endpoint = endpointFor(
      { kind: 'managed', project: undefined },
      CLUSTER,
      {},
      {
        project: 'my-project-123',
        token: async () => 'ya29.token-from-credentials',
        root,
      },
    );
    const r = await runCheck(
      { check: check({ count: 1 }), cluster: CLUSTER, query: 'up', endpoint, timeoutMs: 60_000 },
      fakeDeps().deps,
    );
    assert.equal(r.verdict, 'passed');
    assert.equal(p.requests[0]?.headers.authorization, 'Bearer ya29.token-from-credentials');
  });

  it('endpointFor: a per-cluster map without the cluster is an error naming the fix', () => {
    assert.throws(
      () => endpointFor({ kind: 'per-cluster', urls: { 'us-central1/web': 'http://a' } }, CLUSTER, {}),
      /analysis_endpoint has no URL for cluster "asia-northeast1\/web" \(it names us-central1\/web\); add/,
    );
    assert.deepEqual(endpointFor({ kind: 'per-cluster', urls: { [CLUSTER]: 'http://b' } }, CLUSTER, {}), {
      base: 'http://b',
      headers: {},
    });
  });
});
