// Every rollback setting with a bad value: exit 1, a message naming it, no secret shown.
// In-process through the real entry; nothing reaches a cluster.
import assert from 'node:assert/strict';
import type { PluginModule } from '../../../../common/entry.ts';
import { schema } from '../../../../plugins/rollback/schema.ts';
import { assertNoLeaks, runInProcess } from '../../../helpers/canary.ts';
import { clusterAccessRows, GKE_CLUSTER } from '../cluster-access-rows.ts';

const load = () => import('../../../../plugins/rollback/main.ts') as Promise<PluginModule>;
const valid = { PLUGIN_KUBE_SERVER: 'https://127.0.0.1:1', PLUGIN_KUBE_TOKEN: 'canary-kube-token-rb-0a9b' };
const gke = GKE_CLUSTER;

const cases: [string, Record<string, string>, RegExp][] = [
  [
    'token',
    { ...gke, PLUGIN_TOKEN: 'bm90IGpzb24gYXQgYWxs' },
    /is neither a JSON credentials file nor base64/,
  ],
  ['project', { PLUGIN_PROJECT: 'x' }, /expected a Google Cloud project ID/],
  [
    'cluster',
    { ...gke, PLUGIN_CLUSTERS: '', PLUGIN_CLUSTER: 'Web', PLUGIN_REGION: 'us-central1' },
    /expected a GKE cluster name/,
  ],
  ['zone', { ...gke, PLUGIN_CLUSTERS: '', PLUGIN_CLUSTER: 'web', PLUGIN_ZONE: 'us' }, /expected a zone/],
  [
    'region',
    { ...gke, PLUGIN_CLUSTERS: '', PLUGIN_CLUSTER: 'web', PLUGIN_REGION: 'us' },
    /expected a region/,
  ],
  [
    'location',
    { ...gke, PLUGIN_CLUSTERS: '', PLUGIN_CLUSTER: 'web', PLUGIN_LOCATION: 'us' },
    /expected a region or zone/,
  ],
  ['clusters', { ...gke, PLUGIN_CLUSTERS: 'web' }, /expected "location\/name"/],
  ['namespace', { PLUGIN_NAMESPACE: '...' }, /"\.\.\." \(mapped to "-"\) is not a valid namespace/],
  [
    'kubeconfig',
    { ...gke, PLUGIN_CLUSTERS: '', PLUGIN_KUBECONFIG: 'kind: Config' },
    /has no current-context/,
  ],
  ...clusterAccessRows('canary-stray-token-rb-77'),
  [
    'deployments',
    { PLUGIN_DEPLOYMENTS: 'Web App' },
    /expected workload names such as web or deployment\/web/,
  ],
  ['to_revision', { PLUGIN_TO_REVISION: '0' }, /must be >= 1/],
  ['to_build', { PLUGIN_TO_BUILD: 'latest' }, /expected a whole number, got "latest"/],
  [
    'targets',
    { PLUGIN_TARGETS: '{"production":{"namespace":"prod"}}' },
    /production: missing key "clusters"/,
  ],
  ['dry_run', { PLUGIN_DRY_RUN: 'sure' }, /expected true or false/],
  ['timeout', { PLUGIN_TIMEOUT: 'ages' }, /expected a duration/],
  ['lock', { PLUGIN_LOCK: 'maybe' }, /expected one of: wait, fail, off, got "maybe"/],
  ['lock_timeout', { PLUGIN_LOCK_TIMEOUT: 'forever' }, /expected a duration such as 90s, 10m or 1h/],
  ['cancel_grace', { PLUGIN_CANCEL_GRACE: 'short' }, /expected a duration such as 8s or 25s/],
  [
    'summary_file',
    { PLUGIN_SUMMARY_FILE: '/no/such/folder/s.json' },
    /its folder \/no\/such\/folder does not exist/,
  ],
  ['debug', { PLUGIN_DEBUG: 'yes' }, /expected true or false/],
];

describe('rollback settings: each bad value is named', () => {
  it('covers every setting of the schema', () => {
    assert.deepEqual(cases.map(([k]) => k).sort(), Object.keys(schema.properties).sort());
  });

  it('refuses to_revision and to_build together', async () => {
    const r = await runInProcess(schema, load, { ...valid, PLUGIN_TO_BUILD: '1', PLUGIN_TO_REVISION: '2' });
    assert.equal(r.code, 1);
    assert.match(
      r.output,
      /setting "to_build" \(PLUGIN_TO_BUILD\): set "to_revision" or "to_build", not both/,
    );
  });

  it('reports the summary folder and a missing targets entry with the schema errors, all at once', async () => {
    const r = await runInProcess(schema, load, {
      ...valid,
      PLUGIN_SUMMARY_FILE: '/no/such/folder/s.json',
      PLUGIN_TO_BUILD: 'latest',
      PLUGIN_TARGETS: '{"production":{"clusters":["us-central1/web"]}}',
      DRONE_DEPLOY_TO: 'qa',
    });
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /3 invalid settings/);
    assert.match(r.output, /setting "summary_file" \(PLUGIN_SUMMARY_FILE\): its folder \/no\/such\/folder/);
    assert.match(r.output, /setting "to_build" \(PLUGIN_TO_BUILD\): expected a whole number/);
    assert.match(r.output, /setting "targets" \(PLUGIN_TARGETS\): has no entry for DRONE_DEPLOY_TO "qa"/);
  });

  it("checks the clusters of the targets entry that DRONE_DEPLOY_TO picks, not the step's own", async () => {
    const r = await runInProcess(schema, load, {
      PLUGIN_ZONE: 'us',
      PLUGIN_TARGETS: '{"production":{"clusters":["us-central1/web"]}}',
      DRONE_DEPLOY_TO: 'production',
      PLUGIN_TOKEN_URL: 'https://127.0.0.1:1/token',
      PLUGIN_GKE_ENDPOINT: 'https://127.0.0.1:1',
    });
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /1 invalid setting|invalid setting:/);
    assert.match(r.output, /setting "zone" \(PLUGIN_ZONE\): expected a zone/);
    assert.doesNotMatch(r.output, /needs "cluster"/);
  });

  it('refuses a targets entry whose namespace is not valid, naming the entry', async () => {
    const r = await runInProcess(schema, load, {
      PLUGIN_TARGETS: JSON.stringify({ production: { clusters: ['us-central1/web'], namespace: 'Prod/' } }),
      DRONE_DEPLOY_TO: 'production',
    });
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.output,
      /setting "targets" \(PLUGIN_TARGETS\): "production", namespace: "Prod\/" \(mapped to "prod-"\) is not a valid namespace/,
    );
  });

  for (const [setting, env, problem] of cases) {
    it(`${setting}: exit 1 and a message naming the setting`, async () => {
      const r = await runInProcess(schema, load, { ...valid, ...env });
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, new RegExp(`setting "${setting}" \\(`));
      assert.match(r.output, problem);
      assertNoLeaks(r.output, ['canary-kube-token-rb-0a9b', 'canary-stray-token-rb-77']);
    });
  }
});
