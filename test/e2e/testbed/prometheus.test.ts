// The testbed's Prometheus end to end: it scrapes the service metrics of every cluster, those
// follow the Deployments really running (kwok pods) and the rules set for their image tags,
// and the GKE stand-in answers the Managed Prometheus API with the same data behind a token.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { useTestbed } from '../../testbed/hooks.ts';
import { type HttpResult, httpGet, httpRequest } from '../../testbed/http.ts';
import { clearTrafficRules, promQuery, setTrafficRules } from '../../testbed/servers/client.ts';
import type { ClusterState, TestbedState } from '../../testbed/state.ts';

const suffix = randomBytes(3).toString('hex');
const BROKEN_TAG = `broken-metrics-${suffix}`;
const HEALTHY_TAG = `v1-${suffix}`;
const WINDOW = '10s';

const errorRatio = (tag: string) =>
  `sum(rate(http_requests_total{image_tag="${tag}",code=~"5.."}[${WINDOW}]))` +
  ` / sum(rate(http_requests_total{image_tag="${tag}"}[${WINDOW}]))`;
const medianLatency = (tag: string) =>
  `histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{image_tag="${tag}"}[${WINDOW}])))`;

function deployment(name: string, image: string): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }], terminationGracePeriodSeconds: 1 },
      },
    },
  };
}

/** Polls `read` until `done` holds for its value; returns that value. */
async function eventually<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (done(last)) return last;
    await sleep(500);
  }
  throw new Error(`${what}: still ${JSON.stringify(last)} after 30 s`);
}

/** The single value of an instant query, or undefined when it has no sample (yet). */
async function scalar(state: TestbedState, query: string): Promise<number | undefined> {
  const [sample] = await promQuery(state, query);
  return sample ? Number(sample.value[1]) : undefined;
}

/** A form-encoded POST, as Prometheus clients send long queries. */
function postForm(url: string, form: Record<string, string>, ca: string, token: string): Promise<HttpResult> {
  const body = new URLSearchParams(form).toString();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' };
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', ca, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('testbed: Prometheus and the service metrics', function () {
  this.timeout(90_000);
  let state: TestbedState;
  let cluster: ClusterState;
  let clusterCa: string;
  let gkeCa: string;
  const names = [`prom-broken-${suffix}`, `prom-healthy-${suffix}`];
  const deployments = `/apis/apps/v1/namespaces/default/deployments`;

  const kube = (method: string, path: string, body?: unknown) =>
    httpRequest(method, `${cluster.server}${path}`, {
      ca: clusterCa,
      token: state.token,
      ...(body ? { body } : {}),
    });

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
    cluster = state.clusters[0]!;
    clusterCa = readFileSync(cluster.caFile, 'utf8');
    gkeCa = readFileSync(state.ca.cert, 'utf8');
    await setTrafficRules(state, { tag: BROKEN_TAG, errorRatio: 0.2, latencyMs: 800 });
    const images = [`registry.local/app:${BROKEN_TAG}`, `registry.local/app:${HEALTHY_TAG}`];
    for (const [i, name] of names.entries()) {
      const r = await kube('POST', deployments, deployment(name, images[i]!));
      assert.equal(r.status, 201, r.body);
    }
  });

  after(async () => {
    if (!state) return;
    for (const name of names) await kube('DELETE', `${deployments}/${name}`).catch(() => undefined);
    await clearTrafficRules(state).catch(() => undefined);
  });

  it('is ready and scrapes one service-metrics target per cluster', async () => {
    assert.equal((await httpGet(`${state.prometheus.url}/-/ready`)).status, 200);
    const targets = await eventually(
      'scrape targets',
      async () => {
        const r = await httpGet(`${state.prometheus.url}/api/v1/targets?state=active`);
        const active = (JSON.parse(r.body) as { data: { activeTargets: TargetLike[] } }).data.activeTargets;
        return active.map((t) => `${t.labels.cluster} ${t.health}`).sort();
      },
      (t) => t.every((line) => line.endsWith(' up')) && t.length === state.clusters.length,
    );
    assert.deepEqual(targets, state.clusters.map((c) => `${c.name} up`).sort());
  });

  it('measures about 20 % errors and slow answers for a tag with that rule, none for a healthy one', async () => {
    // Two scrapes of both Deployments' Ready pods are needed before rate() has a value.
    const broken = await eventually(
      'error ratio of the broken tag',
      () => scalar(state, errorRatio(BROKEN_TAG)),
      (v) => Number.isFinite(v),
    );
    const healthy = await eventually(
      'error ratio of the healthy tag',
      () => scalar(state, errorRatio(HEALTHY_TAG)),
      (v) => Number.isFinite(v),
    );
    assert.ok(Math.abs(broken! - 0.2) < 0.02, `error ratio of ${BROKEN_TAG}: ${broken}`);
    assert.equal(healthy, 0);
    const slow = await scalar(state, medianLatency(BROKEN_TAG));
    const fast = await scalar(state, medianLatency(HEALTHY_TAG));
    assert.ok(slow! > 0.5 && slow! <= 1, `median latency of ${BROKEN_TAG}: ${slow} s`);
    assert.ok(fast! <= 0.025, `median latency of ${HEALTHY_TAG}: ${fast} s`);
    const [series] = await promQuery(state, `http_requests_total{image_tag="${BROKEN_TAG}",code="500"}`);
    const m = series?.metric ?? {};
    assert.deepEqual(
      [m['cluster'], m['namespace'], m['deployment'], m['image_tag']],
      [cluster.name, 'default', names[0], BROKEN_TAG],
    );
  });

  it('answers the Managed Prometheus API on the GKE stand-in with a valid token, GET and POST', async () => {
    const url = `${state.prometheus.managedUrl}/api/v1/query`;
    const query = `sum(rate(http_requests_total{image_tag="${BROKEN_TAG}",code="500"}[${WINDOW}])) > bool 0`;
    const get = await httpGet(`${url}?${new URLSearchParams({ query })}`, { ca: gkeCa, token: state.token });
    assert.equal(get.status, 200, get.body);
    const parsed = JSON.parse(get.body) as {
      status: string;
      data: { result: { value: [number, string] }[] };
    };
    assert.equal(parsed.status, 'success');
    assert.equal(parsed.data.result[0]?.value[1], '1');
    const post = await postForm(url, { query: errorRatio(BROKEN_TAG) }, gkeCa, state.token);
    assert.equal(post.status, 200, post.body);
    const ratio = Number((JSON.parse(post.body) as typeof parsed).data.result[0]?.value[1]);
    assert.ok(Math.abs(ratio - 0.2) < 0.02, `error ratio through the managed API: ${ratio}`);
  });

  it('refuses the Managed Prometheus API without a token, with a bad one, or for another project', async () => {
    const query = `?${new URLSearchParams({ query: 'up' })}`;
    const url = `${state.prometheus.managedUrl}/api/v1/query${query}`;
    const cases: [string, string | undefined, number, string][] = [
      [url, undefined, 401, 'UNAUTHENTICATED'],
      [url, 'not-the-token', 401, 'UNAUTHENTICATED'],
      [
        url.replace(`/projects/${state.project.id}/`, '/projects/someone-else/'),
        state.token,
        403,
        'PERMISSION_DENIED',
      ],
    ];
    for (const [target, token, code, status] of cases) {
      const r = await httpGet(target, { ca: gkeCa, ...(token ? { token } : {}) });
      assert.equal(r.status, code, r.body);
      assert.deepEqual(
        (JSON.parse(r.body) as { error: { code: number; status: string } }).error.status,
        status,
      );
    }
  });
});

interface TargetLike {
  labels: Record<string, string>;
  health: string;
}
