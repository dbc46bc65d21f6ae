// gke-deploy and rollback to private control planes, through the bundle: each way in (internal
// IP, DNS endpoint, Connect gateway, a proxy) on the testbed's two clusters, each checked by
// where the traffic went (the endpoints' record, the gateway's, the proxy's); and the ways a
// cluster does not offer, refused before anything is applied.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DeploySummary } from '../../../common/summary.ts';
import { assertNoLeaks } from '../../helpers/canary.ts';
import { httpRequest } from '../../testbed/http.ts';
import { gkeCall, patchGkeCluster, resetGkeCluster } from '../../testbed/servers/client.ts';
import type { Relayed } from '../../testbed/servers/relay.ts';
import type { ClusterState, TestbedState } from '../../testbed/state.ts';
import { dockerShim, sh } from '../rollback/by-hand.ts';
import {
  bundled,
  deploymentOf,
  deployTestbed,
  gkeEnv,
  namespaceExists,
  removeNamespaces,
  runPlugin,
  serviceAccountKey,
  uniqueNamespace,
  workspace,
} from './harness.ts';

const PROXY_PASSWORD = 'canary-proxy-pw-4c2e9a';

/** What went through the clusters' private and DNS endpoints, then cleared. */
async function endpointRecord(tb: TestbedState): Promise<Relayed[]> {
  const r = await httpRequest('DELETE', `${tb.access.endpointsUrl}/_testbed/requests`);
  return (JSON.parse(r.body) as { requests: Relayed[] }).requests;
}

async function gatewayRecord(tb: TestbedState): Promise<Relayed[]> {
  return (await gkeCall<{ requests: Relayed[] }>(tb, 'DELETE', '/_testbed/gateway')).requests;
}

async function proxyRecord(tb: TestbedState): Promise<{ target: string; user: string | null }[]> {
  const r = await httpRequest('DELETE', `${tb.access.forwardProxyUrl}/_testbed/requests`);
  return (JSON.parse(r.body) as { tunnels: { target: string; user: string | null }[] }).tunnels;
}

const clustersOf = (tb: TestbedState) => tb.clusters.map((c) => `${c.location}/${c.name}`).join(',');

describe('gke-deploy and rollback through private ways in', function () {
  this.timeout(300_000);
  let tb: TestbedState;

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await deployTestbed();
  });
  afterEach(() => removeNamespaces(tb));

  /**
   * Deploys v1 and v2, then rolls back, all with `mode`; `record` reads (and clears) what
   * went through the way in, once before (to start empty), after the deploys and after the
   * rollback, so that each run's traffic is checked on its own.
   */
  async function deployAndRollBack<T>(ns: string, mode: Record<string, string>, record: () => Promise<T[]>) {
    await record();
    const ws = workspace('web');
    const outputs: string[] = [];
    for (const build of [1, 2]) {
      const r = await runPlugin('gke-deploy', deployEnv(ns, build, mode), ws);
      assert.equal(r.code, 0, r.output);
      outputs.push(r.output);
    }
    const deployed = await record();
    const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    const back = await runPlugin('rollback', gkeEnv(tb, ns, { DRONE_BUILD_NUMBER: '3', ...mode }), ws);
    assert.equal(back.code, 0, back.output);
    const rolledBackSeen = await record();
    outputs.push(back.output);
    await assertRolledBack(ns);
    const rolledBack = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    return {
      summary,
      rolledBack,
      output: outputs.join('\n'),
      seen: { deployed, rolledBack: rolledBackSeen },
    };
  }

  const deployEnv = (ns: string, build: number, mode: Record<string, string>) =>
    gkeEnv(tb, ns, {
      PLUGIN_CREATE_NAMESPACE: 'true',
      PLUGIN_VARS: JSON.stringify({ app: 'web', tag: `v${build}`, deadline: 30 }),
      SECRET_API_TOKEN: 'canary-secret-modes-1',
      DRONE_BUILD_NUMBER: String(build),
      ...mode,
    });

  async function assertRolledBack(ns: string): Promise<void> {
    for (const c of [0, 1]) {
      const image = (await deploymentOf(tb, c, ns)).image;
      assert.equal(image, 'registry.local/app:v1', `cluster ${c}, namespace ${ns}, after the rollback`);
    }
  }

  /** Each cluster had traffic in `seen` that `went` accepts, in the deploys and in the rollback alike. */
  function assertEachCluster<T>(
    seen: { deployed: T[]; rolledBack: T[] },
    went: (r: T, c: ClusterState) => boolean,
    way: string,
  ): void {
    for (const [run, list] of [
      ['the deploys', seen.deployed],
      ['the rollback', seen.rolledBack],
    ] as const) {
      for (const c of tb.clusters) {
        const through = list.some((r) => went(r, c));
        assert.ok(through, `${run}: nothing reached ${c.name} through ${way}; seen: ${JSON.stringify(list)}`);
      }
    }
  }

  const trust = () => ({ SSL_CERT_FILE: tb.ca.bundle });

  it('internal_ip: every request goes to the private endpoints', async () => {
    const ns = uniqueNamespace('ip');
    const { summary, rolledBack, output, seen } = await deployAndRollBack(
      ns,
      { PLUGIN_INTERNAL_IP: 'true' },
      () => endpointRecord(tb),
    );
    assertEachCluster(seen, (r, c) => r.via === 'private' && r.cluster === c.name, 'its private endpoint');
    for (const c of tb.clusters) {
      assert.match(output, new RegExp(`https://${c.privateEndpoint} through its internal ip`));
    }
    const all = [...seen.deployed, ...seen.rolledBack];
    assert.ok(!all.some((r) => r.via === 'dns'), 'internal_ip: a request went to a DNS endpoint');
    assert.deepEqual(
      summary.clusters.map((c) => c.access?.mode),
      ['internal_ip', 'internal_ip'],
      "the deploy summary's access modes",
    );
    assert.deepEqual(
      rolledBack.clusters.map((c) => c.access?.mode),
      ['internal_ip', 'internal_ip'],
      "the rollback summary's access modes",
    );
    assert.match(summary.rollbackCommand ?? '', /"internal_ip":true/);
  });

  it('dns_endpoint: the DNS name in the kubeconfig, trusted without a cluster CA', async () => {
    const { summary, output, seen } = await deployAndRollBack(
      uniqueNamespace('dns'),
      { PLUGIN_DNS_ENDPOINT: 'true', ...trust() },
      () => endpointRecord(tb),
    );
    // The Host header is the kubeconfig's server name: the DNS name, not an address.
    assertEachCluster(
      seen,
      (r, c) => r.via === 'dns' && r.cluster === c.name && r.host === c.dnsEndpoint,
      'its DNS endpoint by name',
    );
    for (const c of tb.clusters) {
      assert.match(
        c.dnsEndpoint ?? '',
        /^localhost:\d+$/,
        'the testbed names DNS endpoints localhost:<port>',
      );
      assert.match(output, new RegExp(`https://${c.dnsEndpoint} through its dns endpoint`));
    }
    const all = [...seen.deployed, ...seen.rolledBack];
    assert.ok(!all.some((r) => r.via === 'private'), 'dns_endpoint: a request went to a private endpoint');
    assert.deepEqual(
      summary.clusters.map((c) => c.access?.mode),
      ['dns_endpoint', 'dns_endpoint'],
      "the deploy summary's access modes",
    );
  });

  it('proxy_url that does not answer: exit 1, its password masked on the failure path', async () => {
    const ns = uniqueNamespace('px-down');
    const env = gkeEnv(tb, ns, {
      PLUGIN_CREATE_NAMESPACE: 'true',
      PLUGIN_VARS: JSON.stringify({ app: 'web', tag: 'v1', deadline: 30 }),
      // Port 1 on loopback: nothing listens, so every kubectl call fails at the proxy.
      PLUGIN_PROXY_URL: `http://deployer:${PROXY_PASSWORD}@127.0.0.1:1`,
      PLUGIN_LOCK: 'off',
      SECRET_API_TOKEN: 'canary-secret-proxy-down-4',
    });
    const r = await runPlugin('gke-deploy', env, workspace('web'));
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.output,
      /is reached through the proxy http:\/\/127\.0\.0\.1:1, set by "proxy_url": check that it runs/,
      'the failure names the proxy to check, without its credentials',
    );
    assertNoLeaks(r.output, [PROXY_PASSWORD, serviceAccountKey(tb), 'canary-secret-proxy-down-4']);
  });

  it('dns_endpoint: no CA is written for it, so an untrusted certificate fails', async () => {
    const ns = uniqueNamespace('dns-untrusted');
    const env = gkeEnv(tb, ns, {
      PLUGIN_CREATE_NAMESPACE: 'true',
      PLUGIN_VARS: JSON.stringify({ app: 'web', tag: 'v1', deadline: 30 }),
      PLUGIN_DNS_ENDPOINT: 'true',
      PLUGIN_LOCK: 'off',
      SECRET_API_TOKEN: 'canary-secret-untrusted-3',
    });
    const r = await runPlugin('gke-deploy', env, workspace('web'));
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /certificate signed by unknown authority|x509/);
  });

  it('connect_gateway: through the gateway, after its token check, to each membership', async () => {
    const { summary, seen } = await deployAndRollBack(
      uniqueNamespace('gw'),
      {
        PLUGIN_CONNECT_GATEWAY: 'true',
        PLUGIN_CONNECT_GATEWAY_ENDPOINT: tb.access.connectGatewayUrl,
        ...trust(),
      },
      () => gatewayRecord(tb),
    );
    assertEachCluster(seen, (r, c) => r.cluster === c.name, 'the Connect gateway');
    assert.deepEqual(
      summary.clusters.map((c) => c.access?.membership),
      tb.clusters.map((c) => c.membership),
      "the deploy summary's fleet memberships",
    );
    assert.match(summary.rollbackCommand ?? '', /"connect_gateway":true/);
  });

  it('proxy_url on each cluster: tunnels through the proxy, credentials masked', async () => {
    const proxy = new URL(tb.access.forwardProxyUrl);
    proxy.username = 'deployer';
    proxy.password = PROXY_PASSWORD;
    const [a, b] = tb.clusters;
    const clusters = [
      { name: a?.name, location: a?.location, internal_ip: true, proxy_url: proxy.toString() },
      { name: b?.name, location: b?.location, proxy_url: proxy.toString() },
    ];
    const { summary, output, seen } = await deployAndRollBack(
      uniqueNamespace('px'),
      { PLUGIN_CLUSTERS: JSON.stringify(clusters) },
      () => proxyRecord(tb),
    );
    // Cluster a through its internal IP, b through its public endpoint; both tunnelled as "deployer".
    const target = (c: ClusterState) => (c.name === a?.name ? c.privateEndpoint : c.endpoint);
    assertEachCluster(seen, (t, c) => t.target === target(c) && t.user === 'deployer', 'the proxy');
    assert.deepEqual(
      summary.clusters.map((c) => c.access),
      [
        { mode: 'internal_ip', proxy: tb.access.forwardProxyUrl },
        { mode: 'public', proxy: tb.access.forwardProxyUrl },
      ],
      "the deploy summary's ways in, the proxy without its credentials",
    );
    assertNoLeaks(`${output}\n${JSON.stringify(summary)}`, [PROXY_PASSWORD]);
  });

  it('drone build rollback: the targets entry names the way in, a cluster object adds its proxy', async () => {
    const ns = uniqueNamespace('tg');
    const ws = workspace('web');
    for (const build of [1, 2]) {
      const r = await runPlugin('gke-deploy', deployEnv(ns, build, {}), ws);
      assert.equal(r.code, 0, r.output);
    }
    const [a, b] = tb.clusters;
    const env = gkeEnv(tb, 'ignored', {
      PLUGIN_TARGETS: JSON.stringify({
        production: {
          clusters: [
            { name: a?.name, location: a?.location, proxy_url: tb.access.forwardProxyUrl },
            `${b?.location}/${b?.name}`,
          ],
          namespace: ns,
          internal_ip: true,
        },
      }),
      DRONE_BUILD_EVENT: 'rollback',
      DRONE_DEPLOY_TO: 'production',
      DRONE_BUILD_PARENT: '1',
      DRONE_BUILD_NUMBER: '3',
    });
    delete env.PLUGIN_CLUSTERS;
    await Promise.all([endpointRecord(tb), proxyRecord(tb)]);
    const r = await runPlugin('rollback', env, ws);
    assert.equal(r.code, 0, r.output);
    const [seen, tunnels] = await Promise.all([endpointRecord(tb), proxyRecord(tb)]);
    for (const c of tb.clusters) {
      const through = seen.some((s) => s.via === 'private' && s.cluster === c.name);
      assert.ok(through, `the rollback did not reach ${c.name}'s private endpoint: ${JSON.stringify(seen)}`);
    }
    const tunnelled = (c?: ClusterState) => tunnels.some((t) => t.target === c?.privateEndpoint);
    assert.ok(tunnelled(a), `no tunnel to ${a?.name}'s private endpoint: ${JSON.stringify(tunnels)}`);
    assert.ok(!tunnelled(b), `${b?.name} has no proxy_url, yet was tunnelled: ${JSON.stringify(tunnels)}`);
    await assertRolledBack(ns);
  });

  it("the summary's rollback command, run as printed, goes the deploy's private way", async () => {
    const ns = uniqueNamespace('dns-by-hand');
    const ws = workspace('web');
    const mode = { PLUGIN_DNS_ENDPOINT: 'true', ...trust() };
    for (const build of [1, 2]) {
      const r = await runPlugin('gke-deploy', deployEnv(ns, build, mode), ws);
      assert.equal(r.code, 0, r.output);
    }
    const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    const printed = summary.rollbackCommand ?? '';
    assert.match(printed, /"dns_endpoint":true/, 'the printed command carries the mode');
    await endpointRecord(tb);
    const r = await rollBackByHand(printed);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const seen = await endpointRecord(tb);
    for (const c of tb.clusters) {
      const through = seen.some((s) => s.via === 'dns' && s.cluster === c.name && s.host === c.dnsEndpoint);
      assert.ok(
        through,
        `the rollback by hand did not reach ${c.name}'s DNS endpoint: ${JSON.stringify(seen)}`,
      );
    }
    await assertRolledBack(ns);
    assertNoLeaks(`${r.stdout}\n${r.stderr}`, [serviceAccountKey(tb)]);
  });

  /**
   * `printed` run by sh with the docker shim: the world around the image is the testbed's
   * Google endpoints and, for the DNS endpoint's certificate, the testbed CA as the system's.
   */
  async function rollBackByHand(printed: string) {
    const dir = mkdtempSync(join(tmpdir(), 'rollback-by-hand-'));
    try {
      dockerShim(dir, await bundled('rollback'));
      writeFileSync(join(dir, 'key.json'), serviceAccountKey(tb));
      const world = {
        PATH: `${dirname(tb.tools.kubectl as string)}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? '/tmp',
        NODE_EXTRA_CA_CERTS: tb.ca.bundle,
        SSL_CERT_FILE: tb.ca.bundle,
        PLUGIN_GKE_ENDPOINT: tb.gke.apiEndpoint,
        PLUGIN_TOKEN_URL: tb.gke.tokenUrl,
      };
      return await sh(printed, dir, {
        PATH: `${dir}:${process.env.PATH ?? ''}`,
        DOCKER_SHIM_WORLD: JSON.stringify(world),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  describe('refused before anything is applied', () => {
    afterEach(async () => {
      for (const c of tb.clusters) await resetGkeCluster(tb, c.name);
    });

    const refused = async (extra: Record<string, string>, expected: RegExp) => {
      const ns = uniqueNamespace('refused');
      const env = gkeEnv(tb, ns, {
        PLUGIN_CREATE_NAMESPACE: 'true',
        PLUGIN_VARS: JSON.stringify({ app: 'web', tag: 'v1', deadline: 30 }),
        SECRET_API_TOKEN: 'canary-secret-refused-2',
        ...extra,
      });
      const r = await runPlugin('gke-deploy', env, workspace('web'));
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, expected);
      for (const c of [0, 1]) {
        assert.equal(await namespaceExists(tb, c, ns), false, `namespace ${ns} was created on cluster ${c}`);
      }
    };

    it('dns_endpoint with internal_ip', () =>
      refused(
        { PLUGIN_DNS_ENDPOINT: 'true', PLUGIN_INTERNAL_IP: 'true' },
        /setting "internal_ip" \(PLUGIN_INTERNAL_IP\): "dns_endpoint" and "internal_ip" are two ways/,
      ));

    it('both on one cluster of clusters', () => {
      const [a, b] = tb.clusters;
      const clusters = [
        { name: a?.name, location: a?.location, dns_endpoint: true, internal_ip: true },
        `${b?.location}/${b?.name}`,
      ];
      return refused(
        { PLUGIN_CLUSTERS: JSON.stringify(clusters) },
        new RegExp(
          `setting "clusters" \\(PLUGIN_CLUSTERS\\): item 1 \\(${a?.location}/${a?.name}\\): "dns_endpoint"`,
        ),
      );
    });

    it('internal_ip on a cluster without a private endpoint', async () => {
      const b = tb.clusters[1];
      await patchGkeCluster(tb, b?.name as string, { privateClusterConfig: null });
      await refused(
        { PLUGIN_INTERNAL_IP: 'true', PLUGIN_CLUSTERS: clustersOf(tb) },
        new RegExp(
          `setting "internal_ip" \\(PLUGIN_INTERNAL_IP\\): cluster ${b?.location}/${b?.name} has no internal endpoint`,
        ),
      );
    });

    it('dns_endpoint on a cluster whose DNS endpoint is disabled', async () => {
      const a = tb.clusters[0];
      await patchGkeCluster(tb, a?.name as string, {
        controlPlaneEndpointsConfig: { ipEndpointsConfig: {} },
      });
      await refused(
        { PLUGIN_DNS_ENDPOINT: 'true', ...trust() },
        new RegExp(
          `setting "dns_endpoint" \\(PLUGIN_DNS_ENDPOINT\\): cluster ${a?.location}/${a?.name} has no DNS endpoint`,
        ),
      );
    });

    it('connect_gateway on a cluster outside any fleet', async () => {
      const a = tb.clusters[0];
      await patchGkeCluster(tb, a?.name as string, { fleet: null });
      await refused(
        { PLUGIN_CONNECT_GATEWAY: 'true', PLUGIN_CONNECT_GATEWAY_ENDPOINT: tb.access.connectGatewayUrl },
        new RegExp(
          `setting "connect_gateway" \\(PLUGIN_CONNECT_GATEWAY\\): cluster ${a?.location}/${a?.name} is not registered to a fleet`,
        ),
      );
    });
  });
});
