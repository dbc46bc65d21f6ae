// Settings that used to fail on a cluster, or to do something nobody asked for there, are
// refused by the bundles before anything is contacted: the Google endpoints are a server
// that counts requests, and the testbed's clusters are checked for anything created.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestbedState } from '../../testbed/state.ts';
import {
  deployTestbed,
  gkeEnv,
  namespaceExists,
  removeNamespaces,
  runPlugin,
  uniqueNamespace,
  workspace,
} from './harness.ts';

describe('gke-deploy and rollback: refused before any cluster is contacted', function () {
  this.timeout(120_000);
  let tb: TestbedState;
  let counter: Server;
  let counted: string;
  let requests = 0;

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await deployTestbed();
    counter = createServer((req, res) => {
      requests += 1;
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"code":404,"message":"counted"}}');
    });
    await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve));
    counted = `http://127.0.0.1:${(counter.address() as AddressInfo).port}`;
  });
  afterEach(() => removeNamespaces(tb));
  beforeEach(() => {
    requests = 0;
  });
  after(() => new Promise((resolve) => counter.close(resolve)));

  /** The GKE flow to both testbed clusters, with the Google endpoints pointing at the counter. */
  const env = (ns: string, extra: Record<string, string> = {}) => ({
    ...gkeEnv(tb, ns, {
      PLUGIN_CREATE_NAMESPACE: 'true',
      PLUGIN_VARS: JSON.stringify({ app: 'web', tag: 'v1', deadline: 30 }),
      SECRET_API_TOKEN: 'canary-secret-refused-17',
      DRONE_BUILD_NUMBER: '1',
    }),
    PLUGIN_GKE_ENDPOINT: counted,
    PLUGIN_TOKEN_URL: `${counted}/token`,
    ...extra,
  });
  /** The same, against the testbed's real Google endpoints: only the settings checks stand in the way. */
  const live = (ns: string, extra: Record<string, string> = {}) => ({
    ...env(ns, extra),
    PLUGIN_GKE_ENDPOINT: tb.gke.apiEndpoint,
    PLUGIN_TOKEN_URL: tb.gke.tokenUrl,
  });
  const nothingCreated = async (ns: string) => {
    for (const c of [0, 1])
      assert.equal(await namespaceExists(tb, c, ns), false, `namespace ${ns} on cluster ${c}`);
  };

  it('the counter does count: a valid deploy asks it for a token', async () => {
    const r = await runPlugin('gke-deploy', env(uniqueNamespace('ref')), workspace('web'));
    assert.equal(r.code, 1, r.output);
    assert.ok(requests > 0);
  });

  for (const entry of ['foo/web', 'pod/x', 'svc/x']) {
    it(`rollback deployments: ${entry} is a settings error naming the setting`, async () => {
      const r = await runPlugin('rollback', env('web', { PLUGIN_DEPLOYMENTS: entry }), workspace('web'));
      assert.equal(r.code, 1, r.output);
      assert.match(
        r.stderr,
        new RegExp(
          `setting "deployments" \\(PLUGIN_DEPLOYMENTS\\): "${entry}": kind "${entry.split('/')[0]}" is not one of Deployment, StatefulSet or DaemonSet; write`,
        ),
      );
      assert.doesNotMatch(r.output, /Cannot read properties/);
      assert.equal(requests, 0);
    });
  }

  it('gke-deploy: a 74-character namespace is refused, neither cut to 63 nor created', async () => {
    const ns = `${uniqueNamespace('ref')}-${'x'.repeat(63)}`.slice(0, 74);
    for (const run of [env, live]) {
      const r = await runPlugin('gke-deploy', run(ns), workspace('web'));
      assert.equal(r.code, 1, r.output);
      assert.match(
        r.stderr,
        /setting "namespace" \(PLUGIN_NAMESPACE\): "ref-[0-9a-f]+-x+" is 74 characters; a namespace has at most 63: shorten it/,
      );
    }
    assert.equal(requests, 0);
    await nothingCreated(ns.slice(0, 63));
  });

  it("gke-deploy: a clusters entry's namespace that is no namespace is refused, naming the entry", async () => {
    const clusters = tb.clusters.map((c, i) => ({
      name: c.name,
      location: c.location,
      namespace: i ? 'web_' : 'web',
    }));
    const r = await runPlugin(
      'gke-deploy',
      env('web', { PLUGIN_CLUSTERS: JSON.stringify(clusters) }),
      workspace('web'),
    );
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.stderr,
      /setting "clusters" \(PLUGIN_CLUSTERS\): item 2 \([a-z0-9-]+\/[a-z0-9-]+\), namespace: "web_" \(mapped to "web-"\) is not a valid namespace/,
    );
    assert.equal(requests, 0);
  });

  it('gke-deploy: an images entry that matches no container is refused; nothing is created', async () => {
    const ns = uniqueNamespace('ref');
    for (const run of [env, live]) {
      const r = await runPlugin(
        'gke-deploy',
        run(ns, { PLUGIN_IMAGES: 'registry.local/ap:v2' }),
        workspace('web'),
      );
      assert.equal(r.code, 1, r.output);
      assert.match(
        r.stderr,
        /setting "images" \(PLUGIN_IMAGES\): "registry\.local\/ap:v2" matches no container in the templates \(the templates' images are registry\.local\/app\)/,
      );
    }
    assert.equal(requests, 0);
    await nothingCreated(ns);
  });

  it('rollback: a typo of a setting (deployment) stops it, naming the setting it resembles', async () => {
    const r = await runPlugin('rollback', env('web', { PLUGIN_DEPLOYMENT: 'web' }), workspace('web'));
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.stderr,
      /setting "deployment" \(PLUGIN_DEPLOYMENT\): is not a setting of rollback; did you mean "deployments" \(PLUGIN_DEPLOYMENTS\)\?/,
    );
    assert.equal(requests, 0);
  });
});
