// The `analysis*` settings checked across each other, before any cluster is contacted: each
// bad combination names its setting and says how to fix it; a good one resolves to
// durations in milliseconds with the defaults filled in.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginModule } from '../../../../common/entry.ts';
import { createLogger, memorySink } from '../../../../common/log.ts';
import { schema } from '../../../../plugins/gke-deploy/schema.ts';
import { resolveSettings } from '../../../../plugins/gke-deploy/settings.ts';
import { assertNoLeaks, runInProcess, serviceAccountShape } from '../../../helpers/canary.ts';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/gke-deploy/web');
const load = () => import('../../../../plugins/gke-deploy/main.ts') as Promise<PluginModule>;

// A valid step with two GKE clusters and a Prometheus.
const valid = {
  PLUGIN_CLUSTERS: 'asia-northeast1/web,us-central1/web',
  PLUGIN_PROJECT: 'my-project-123',
  PLUGIN_TEMPLATE: join(web, '.kube.yml'),
  PLUGIN_SECRET_TEMPLATE: join(web, 'no-such.sec.yml'),
  PLUGIN_VARS: '{"app":"web","tag":"v1","deadline":5}',
  PLUGIN_ANALYSIS_ENDPOINT: 'http://127.0.0.1:9090',
};
const check = (extra: Record<string, unknown>) =>
  JSON.stringify([{ name: 'error-rate', query: 'sum(rate(x{ns="{{.namespace}}"}[1m]))', ...extra }]);
const noProject = JSON.parse(serviceAccountShape('canary-analysis-key-3c4d')) as Record<string, unknown>;
delete noProject.project_id;

const cases: [string, Record<string, string>, RegExp][] = [
  [
    'a threshold that is not a number',
    { PLUGIN_ANALYSIS: check({ max: 'high' }) },
    /item 1, max: expected number/,
  ],
  [
    'neither min nor max',
    { PLUGIN_ANALYSIS: check({}) },
    /setting "analysis" \(PLUGIN_ANALYSIS\): analysis\[0\]: set "min", "max" or both/,
  ],
  [
    'min above max',
    { PLUGIN_ANALYSIS: check({ min: 0.5, max: 0.1 }) },
    /analysis\[0\]: min 0\.5 is above max 0\.1/,
  ],
  [
    'a name used twice',
    {
      PLUGIN_ANALYSIS: JSON.stringify([
        { name: 'errors', query: 'up', min: 1 },
        { name: 'errors', query: 'up', min: 1 },
      ]),
    },
    /analysis\[1\]\.name: "errors" is used twice; names must be unique/,
  ],
  [
    'a template syntax error',
    { PLUGIN_ANALYSIS: check({ max: 1, query: 'up{job="{{.cluster"}' }) },
    /analysis\[0\]\.query: "\{\{" is never closed/,
  ],
  [
    'an unsupported template action',
    { PLUGIN_ANALYSIS: check({ max: 1, query: 'up{job="{{ range .x }}"}' }) },
    /analysis\[0\]\.query: unsupported template action/,
  ],
  [
    'an unknown field',
    { PLUGIN_ANALYSIS: check({ max: 1, threshold: 2 }) },
    /item 1: unknown key "threshold"/,
  ],
  [
    'on_no_data not one of its values',
    { PLUGIN_ANALYSIS: check({ max: 1, on_no_data: 'skip' }) },
    /on_no_data: expected one of: fail, pass, retry/,
  ],
  [
    'no endpoint',
    { PLUGIN_ANALYSIS: check({ max: 1 }), PLUGIN_ANALYSIS_ENDPOINT: '' },
    /setting "analysis_endpoint" \(PLUGIN_ANALYSIS_ENDPOINT\): "analysis" needs "analysis_endpoint"/,
  ],
  [
    'an endpoint map naming a cluster not deployed to',
    {
      PLUGIN_ANALYSIS: check({ max: 1 }),
      PLUGIN_ANALYSIS_ENDPOINT: JSON.stringify({
        'asia-northeast1/web': 'http://127.0.0.1:9090',
        'us-central1/web': 'http://127.0.0.1:9091',
        'europe-west1/web': 'http://127.0.0.1:9092',
      }),
    },
    /"europe-west1\/web" is not one of the clusters \(configured clusters: asia-northeast1\/web, us-central1\/web\)/,
  ],
  [
    'an endpoint map missing a cluster',
    {
      PLUGIN_ANALYSIS: check({ max: 1 }),
      PLUGIN_ANALYSIS_ENDPOINT: JSON.stringify({ 'asia-northeast1/web': 'http://127.0.0.1:9090' }),
    },
    /no URL for cluster "us-central1\/web"; add "us-central1\/web": URL/,
  ],
  [
    'an endpoint map with a non-URL',
    { PLUGIN_ANALYSIS_ENDPOINT: '{"asia-northeast1/web":"prom"}' },
    /expected a Prometheus URL/,
  ],
  [
    'managed without a project',
    {
      PLUGIN_ANALYSIS: check({ max: 1 }),
      PLUGIN_ANALYSIS_ENDPOINT: 'managed',
      PLUGIN_PROJECT: '',
      PLUGIN_TOKEN: JSON.stringify(noProject),
    },
    /setting "analysis_endpoint" \(PLUGIN_ANALYSIS_ENDPOINT\): managed needs a project: the credentials in "token" name none; set "project"/,
  ],
  [
    'a timeout shorter than the checks',
    { PLUGIN_ANALYSIS: check({ max: 1, interval: '1m', count: 5 }), PLUGIN_ANALYSIS_TIMEOUT: '3m' },
    /setting "analysis_timeout" \(PLUGIN_ANALYSIS_TIMEOUT\): 3m is too short for check "error-rate" \(its delay and 5 measurements take 300 s\); raise it/,
  ],
];

describe('gke-deploy analysis settings', () => {
  const cwd = process.cwd();
  before(() => process.chdir(mkdtempSync(join(tmpdir(), 'gke-deploy-analysis-'))));
  after(() => process.chdir(cwd));

  for (const [title, env, problem] of cases) {
    it(`refuses ${title}`, async () => {
      const r = await runInProcess(schema, load, { ...valid, ...env });
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, problem);
      assertNoLeaks(r.output, ['canary-analysis-key-3c4d']);
    });
  }

  it('resolves checks with their defaults, and masks each header value', () => {
    const log = createLogger({ sink: memorySink() });
    const s = resolveSettings(
      {
        ...valid,
        PLUGIN_ANALYSIS: JSON.stringify([
          { name: 'error-rate', query: 'x{c="{{.cluster}}"}', max: 0.05 },
          { name: 'latency', query: 'y', min: 0, max: 0.3, interval: '10s', count: 6, on_no_data: 'retry' },
        ]),
        PLUGIN_ANALYSIS_HEADERS: '{"Authorization":"Bearer canary-prom-token-77aa"}',
        PLUGIN_ANALYSIS_DELAY: '1m',
      },
      { log, workspace: process.cwd() },
    );
    assert.deepEqual(s.analysis.checks, [
      {
        name: 'error-rate',
        query: 'x{c="{{.cluster}}"}',
        min: undefined,
        max: 0.05,
        intervalMs: 30_000,
        count: 3,
        failureLimit: 0,
        onNoData: 'fail',
        delayMs: 60_000,
      },
      {
        name: 'latency',
        query: 'y',
        min: 0,
        max: 0.3,
        intervalMs: 10_000,
        count: 6,
        failureLimit: 0,
        onNoData: 'retry',
        delayMs: 60_000,
      },
    ]);
    assert.deepEqual(s.analysis.endpoint, { kind: 'url', url: 'http://127.0.0.1:9090' });
    assert.equal(s.analysis.timeoutMs, 15 * 60_000);
    assert.equal(log.masker.mask('sent canary-prom-token-77aa'), 'sent ***');
    assert.equal(log.masker.mask('Authorization: Bearer canary-prom-token-77aa'), 'Authorization: ***');
  });

  it('resolves managed with the project, and no analysis to nothing to check', () => {
    const log = createLogger({ sink: memorySink() });
    const managed = resolveSettings(
      { ...valid, PLUGIN_ANALYSIS: check({ max: 1 }), PLUGIN_ANALYSIS_ENDPOINT: 'managed' },
      { log, workspace: process.cwd() },
    );
    assert.deepEqual(managed.analysis.endpoint, { kind: 'managed', project: 'my-project-123' });
    assert.equal(managed.analysis.checks[0]?.delayMs, 30_000);
    const none = resolveSettings(
      { ...valid, PLUGIN_ANALYSIS_ENDPOINT: '' },
      { log, workspace: process.cwd() },
    );
    assert.deepEqual(none.analysis.checks, []);
  });
});
