// Every gke-deploy setting with a bad value: exit 1, a message naming the setting and its
// variable, and no secret in the output. In-process, through the real entry; nothing here
// reaches a cluster (each problem is found before any network call).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginModule } from '../../../../common/entry.ts';
import { schema } from '../../../../plugins/gke-deploy/schema.ts';
import { assertNoLeaks, runInProcess } from '../../../helpers/canary.ts';
import { clusterAccessRows, GKE_CLUSTER } from '../cluster-access-rows.ts';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/gke-deploy/web');
const load = () => import('../../../../plugins/gke-deploy/main.ts') as Promise<PluginModule>;

// A valid step: one cluster outside GKE, the fixture's templates.
const valid = {
  PLUGIN_KUBE_SERVER: 'https://127.0.0.1:1',
  PLUGIN_KUBE_TOKEN: 'canary-kube-token-0a9b8c7d',
  PLUGIN_TEMPLATE: join(web, '.kube.yml'),
  PLUGIN_SECRET_TEMPLATE: join(web, 'no-such.sec.yml'),
  PLUGIN_VARS: '{"app":"web","tag":"v1","deadline":5}',
};
const gke = GKE_CLUSTER;

const cases: [string, Record<string, string>, RegExp][] = [
  [
    'token',
    { ...gke, PLUGIN_TOKEN: '{"type": "service_account", broken' },
    /is not valid JSON \(the value is not shown: it is a secret\); paste the whole key file/,
  ],
  ['project', { PLUGIN_PROJECT: 'Bad_Project' }, /expected a Google Cloud project ID/],
  [
    'cluster',
    { ...gke, PLUGIN_CLUSTERS: '', PLUGIN_CLUSTER: 'Web Cluster', PLUGIN_REGION: 'us-central1' },
    /expected a GKE cluster name/,
  ],
  [
    'zone',
    { ...gke, PLUGIN_CLUSTERS: '', PLUGIN_CLUSTER: 'web', PLUGIN_ZONE: 'us-central1' },
    /expected a zone such as/,
  ],
  [
    'region',
    { ...gke, PLUGIN_CLUSTERS: '', PLUGIN_CLUSTER: 'web', PLUGIN_REGION: 'us-central1-a' },
    /expected a region such as/,
  ],
  [
    'location',
    { ...gke, PLUGIN_CLUSTERS: '', PLUGIN_CLUSTER: 'web', PLUGIN_LOCATION: 'moon' },
    /expected a region or zone/,
  ],
  ['clusters', { ...gke, PLUGIN_CLUSTERS: '[{"name":"web"}]' }, /expected "location\/name"/],
  [
    'namespace',
    { PLUGIN_NAMESPACE: `web-${'x'.repeat(70)}` },
    /is 74 characters; a namespace has at most 63: shorten it/,
  ],
  [
    'kubeconfig',
    { PLUGIN_KUBE_SERVER: '', PLUGIN_KUBE_TOKEN: '', PLUGIN_KUBECONFIG: 'apiVersion: v1\nkind: Config\n' },
    /has no current-context/,
  ],
  ...clusterAccessRows('canary-stray-token-1234'),
  ['kustomize', { PLUGIN_KUSTOMIZE: web }, /set "kustomize" or "template", not both/],
  ['template', { PLUGIN_TEMPLATE: join(web, 'missing.yml') }, /missing\.yml does not exist/],
  ['secret_template', { PLUGIN_SECRET_TEMPLATE: web }, /is a folder; name one file/],
  ['skip_secret_template', { PLUGIN_SKIP_SECRET_TEMPLATE: 'maybe' }, /expected true or false/],
  ['vars', { PLUGIN_VARS: '["app","web"]' }, /expected a JSON object|must be object/],
  ['expand_env_vars', { PLUGIN_EXPAND_ENV_VARS: 'yes' }, /expected true or false, got "yes"/],
  ['images', { PLUGIN_IMAGES: 'gcr.io/p/web:v1 extra' }, /expected image references/],
  ['create_namespace', { PLUGIN_CREATE_NAMESPACE: 'maybe' }, /expected true or false/],
  ['default_strategy', { PLUGIN_DEFAULT_STRATEGY: 'on' }, /expected true or false/],
  [
    'strategy_policy',
    { PLUGIN_STRATEGY_POLICY: 'strict' },
    /expected one of: warn, enforce, off, got "strict"/,
  ],
  ['server_side', { PLUGIN_SERVER_SIDE: '1' }, /expected true or false/],
  ['dry_run', { PLUGIN_DRY_RUN: 'perhaps' }, /expected true or false/],
  ['timeout', { PLUGIN_TIMEOUT: 'soon' }, /expected a duration such as 300s, 5m or 1h, got "soon"/],
  ['lock', { PLUGIN_LOCK: 'maybe' }, /expected one of: wait, fail, off, got "maybe"/],
  ['lock_timeout', { PLUGIN_LOCK_TIMEOUT: 'forever' }, /expected a duration such as 90s, 10m or 1h/],
  ['cancel_grace', { PLUGIN_CANCEL_GRACE: 'short' }, /expected a duration such as 8s or 25s/],
  ['on_abandoned', { PLUGIN_ON_ABANDONED: 'panic' }, /expected one of: rollback, fail, ignore/],
  [
    'wait_deployments',
    { PLUGIN_WAIT_DEPLOYMENTS: 'deployment/api' },
    /"deployment\/api" is not a workload in the templates \(have: deployment\/web\)/,
  ],
  ['wait_seconds', { PLUGIN_WAIT_SECONDS: '0' }, /must be >= 1/],
  ['wait_jobs', { PLUGIN_WAIT_JOBS: 'y' }, /expected true or false/],
  ['parallel', { PLUGIN_PARALLEL: 'both' }, /expected true or false/],
  ['rollback_on_failure', { PLUGIN_ROLLBACK_ON_FAILURE: 'no' }, /expected true or false/],
  ['verify', { PLUGIN_VERIFY: '[{"status":200}]' }, /expected a URL, or an object/],
  [
    'analysis',
    { PLUGIN_ANALYSIS: '[{"name":"errors","query":"up{job=\\"{{.app}}\\"}","max":0.05}]' },
    /analysis\[0\]\.query: variable "\.app" is not defined; a query may use \{\{\.cluster\}\}/,
  ],
  ['analysis_endpoint', { PLUGIN_ANALYSIS_ENDPOINT: 'prometheus' }, /expected a Prometheus URL/],
  ['analysis_headers', { PLUGIN_ANALYSIS_HEADERS: 'canary-header-9f8e7d6c' }, /expected a JSON object/],
  ['monitoring_endpoint', { PLUGIN_MONITORING_ENDPOINT: 'monitoring' }, /expected an https:\/\/ URL/],
  ['analysis_delay', { PLUGIN_ANALYSIS_DELAY: 'soon' }, /expected a duration such as 30s or 2m/],
  ['analysis_timeout', { PLUGIN_ANALYSIS_TIMEOUT: 'never' }, /expected a duration such as 10m or 1h/],
  [
    'summary_file',
    { PLUGIN_SUMMARY_FILE: '/no/such/folder/summary.json' },
    /its folder \/no\/such\/folder does not exist/,
  ],
  ['verbose', { PLUGIN_VERBOSE: 'loud' }, /expected true or false/],
  ['debug', { PLUGIN_DEBUG: 'yes' }, /expected true or false/],
];

describe('gke-deploy settings: each bad value is named', () => {
  const cwd = process.cwd();
  before(() => process.chdir(mkdtempSync(join(tmpdir(), 'gke-deploy-settings-'))));
  after(() => process.chdir(cwd));

  it('covers every setting of the schema', () => {
    assert.deepEqual(cases.map(([k]) => k).sort(), Object.keys(schema.properties).sort());
  });

  it('reports the workspace problems with the schema errors, all at once', async () => {
    const r = await runInProcess(schema, load, {
      ...valid,
      PLUGIN_TEMPLATE: `${join(web, 'missing.yml')},${join(web, 'gone')}`,
      PLUGIN_SECRET_TEMPLATE: web,
      PLUGIN_SUMMARY_FILE: '/no/such/folder/summary.json',
      PLUGIN_TIMEOUT: 'soon',
      PLUGIN_KUBE_SERVER: '',
    });
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /7 invalid settings/);
    assert.match(r.output, /setting "cluster" \(PLUGIN_CLUSTER\): no cluster given/);
    assert.match(r.output, /setting "template" \(PLUGIN_TEMPLATE\): .*missing\.yml does not exist/);
    assert.match(r.output, /setting "template" \(PLUGIN_TEMPLATE\): .*gone does not exist/);
    assert.match(r.output, /setting "secret_template" \(PLUGIN_SECRET_TEMPLATE\): .* is a folder/);
    assert.match(r.output, /setting "summary_file" \(PLUGIN_SUMMARY_FILE\): its folder \/no\/such\/folder/);
    assert.match(r.output, /setting "timeout" \(PLUGIN_TIMEOUT\): expected a duration/);
    assert.match(r.output, /setting "kube_token" \(PLUGIN_KUBE_TOKEN\): needs "kube_server"/);
  });

  it('refuses wait_deployments entries of kinds it cannot wait for, with the other problems', async () => {
    const r = await runInProcess(schema, load, {
      ...valid,
      PLUGIN_WAIT_DEPLOYMENTS: 'web,svc/web,foo/web',
      PLUGIN_DRY_RUN: 'perhaps',
    });
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /3 invalid settings/);
    assert.match(
      r.output,
      /setting "wait_deployments" \(PLUGIN_WAIT_DEPLOYMENTS\): "svc\/web": kind "svc" is not one of Deployment, StatefulSet, DaemonSet or Job; write/,
    );
    assert.match(r.output, /"foo\/web": kind "foo" is not one of/);
  });

  it('refuses a clusters entry whose own namespace is not valid, naming the entry', async () => {
    const r = await runInProcess(schema, load, {
      ...valid,
      ...gke,
      PLUGIN_CLUSTERS: JSON.stringify([
        { location: 'us-central1', name: 'web', namespace: 'web' },
        { location: 'asia-northeast1', name: 'web', namespace: 'web_' },
      ]),
    });
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.output,
      /setting "clusters" \(PLUGIN_CLUSTERS\): item 2 \(asia-northeast1\/web\), namespace: "web_" \(mapped to "web-"\) is not a valid namespace/,
    );
  });

  for (const [setting, env, problem] of cases) {
    it(`${setting}: exit 1, names setting "${setting}"`, async () => {
      const r = await runInProcess(schema, load, { ...valid, ...env });
      assert.equal(r.code, 1, r.output);
      const line = new RegExp(`setting "${setting}" \\((PLUGIN_${setting.toUpperCase()}|[A-Z_]+)\\)`);
      assert.match(r.output, line);
      assert.match(r.output, problem);
      assertNoLeaks(r.output, [
        'canary-kube-token-0a9b8c7d',
        'canary-stray-token-1234',
        'canary-header-9f8e7d6c',
      ]);
    });
  }
});
