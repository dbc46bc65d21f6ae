// gke-deploy and rollback to private control planes, through the bundle: each way in (internal
// IP, DNS endpoint, Connect gateway, a proxy) on the testbed's two clusters, each checked by
// where the traffic went (the endpoints' record, the gateway's, the proxy's); and the ways a
// cluster does not offer, refused before anything is applied.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploySummary } from '../../../common/summary.ts';
import { assertNoLeaks } from '../../helpers/canary.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import { httpRequest } from '../../testbed/http.ts';
import { gkeCall, patchGkeCluster, resetGkeCluster } from '../../testbed/servers/client.ts';
import type { Relayed } from '../../testbed/servers/relay.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  bundled,
  deploymentOf,
  gkeEnv,
  namespaceExists,
  removeNamespaces,
  runPlugin,
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
    tb = await useTestbed({ clusters: 2 });
    await Promise.all([bundled('gke-deploy'), bundled('rollback')]);
  });
  afterEach(() => removeNamespaces(tb));

  /** Deploys v1 and v2, then rolls back, all with `mode`; returns the summary of the deploy and the outputs. */
  async function deployAndRollBack(ns: string, mode: Record<string, string>) {
    const ws = workspace('web');
    const outputs: string[] = [];
    for (const build of [1, 2]) {
      const env = gkeEnv(tb, ns, {
        PLUGIN_CREATE_NAMESPACE: 'true',
        PLUGIN_VARS: JSON.stringify({ app: 'web', tag: `v${build}`, deadline: 30 }),
        SECRET_API_TOKEN: 'canary-secret-modes-1',
        DRONE_BUILD_NUMBER: String(build),
        ...mode,
      });
      const r = await runPlugin('gke-deploy', env, ws);
      assert.equal(r.code, 0, r.output);
      outputs.push(r.output);
    }
    const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    const back = await runPlugin('rollback', gkeEnv(tb, ns, { DRONE_BUILD_NUMBER: '3', ...mode }), ws);
    assert.equal(back.code, 0, back.output);
    outputs.push(back.output);
    for (const c of [0, 1]) assert.equal((await deploymentOf(tb, c, ns)).image, 'registry.local/app:v1');
    const rolledBack = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    return { summary, rolledBack, output: outputs.join('\n') };
  }

  const trust = () => ({ SSL_CERT_FILE: tb.ca.bundle });

  it('internal_ip: every request goes to the private endpoints', async () => {
    await endpointRecord(tb);
    const { summary, rolledBack, output } = await deployAndRollBack(uniqueNamespace('ip'), {
      PLUGIN_INTERNAL_IP: 'true',
    });
    const seen = await endpointRecord(tb);
    for (const c of tb.clusters) {
      assert.ok(seen.some((r) => r.via === 'private' && r.cluster === c.name));
      assert.match(output, new RegExp(`https://${c.privateEndpoint} through its internal ip`));
    }
    assert.ok(!seen.some((r) => r.via === 'dns'));
    assert.deepEqual(
      summary.clusters.map((c) => c.access?.mode),
      ['internal_ip', 'internal_ip'],
    );
    assert.deepEqual(
      rolledBack.clusters.map((c) => c.access?.mode),
      ['internal_ip', 'internal_ip'],
    );
    assert.match(summary.rollbackCommand ?? '', /"internal_ip":true/);
  });

  it('dns_endpoint: the DNS name in the kubeconfig, trusted without a cluster CA', async () => {
    await endpointRecord(tb);
    const { summary, output } = await deployAndRollBack(uniqueNamespace('dns'), {
      PLUGIN_DNS_ENDPOINT: 'true',
      ...trust(),
    });
    const seen = await endpointRecord(tb);
    for (const c of tb.clusters) {
      assert.match(c.dnsEndpoint ?? '', /^localhost:\d+$/);
      assert.match(output, new RegExp(`https://${c.dnsEndpoint} through its dns endpoint`));
      assert.ok(seen.some((r) => r.via === 'dns' && r.cluster === c.name && r.host === c.dnsEndpoint));
    }
    assert.ok(!seen.some((r) => r.via === 'private'));
    assert.deepEqual(
      summary.clusters.map((c) => c.access?.mode),
      ['dns_endpoint', 'dns_endpoint'],
    );
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
    await gatewayRecord(tb);
    const { summary } = await deployAndRollBack(uniqueNamespace('gw'), {
      PLUGIN_CONNECT_GATEWAY: 'true',
      PLUGIN_CONNECT_GATEWAY_ENDPOINT: tb.access.connectGatewayUrl,
      ...trust(),
    });
    const seen = await gatewayRecord(tb);
    for (const c of tb.clusters) assert.ok(seen.some((r) => r.cluster === c.name));
    assert.deepEqual(
      summary.clusters.map((c) => c.access?.membership),
      tb.clusters.map((c) => c.membership),
    );
    assert.match(summary.rollbackCommand ?? '', /"connect_gateway":true/);
  });

  it('proxy_url on each cluster: tunnels through the proxy, credentials masked', async () => {
    await proxyRecord(tb);
    const proxy = new URL(tb.access.forwardProxyUrl);
    proxy.username = 'deployer';
    proxy.password = PROXY_PASSWORD;
    const [a, b] = tb.clusters;
    const clusters = [
      { name: a?.name, location: a?.location, internal_ip: true, proxy_url: proxy.toString() },
      { name: b?.name, location: b?.location, proxy_url: proxy.toString() },
    ];
    const { summary, output } = await deployAndRollBack(uniqueNamespace('px'), {
      PLUGIN_CLUSTERS: JSON.stringify(clusters),
    });
    const tunnels = await proxyRecord(tb);
    assert.ok(tunnels.some((t) => t.target === a?.privateEndpoint && t.user === 'deployer'));
    assert.ok(tunnels.some((t) => t.target === b?.endpoint && t.user === 'deployer'));
    assert.deepEqual(
      summary.clusters.map((c) => c.access),
      [
        { mode: 'internal_ip', proxy: tb.access.forwardProxyUrl },
        { mode: 'public', proxy: tb.access.forwardProxyUrl },
      ],
    );
    assertNoLeaks(`${output}\n${JSON.stringify(summary)}`, [PROXY_PASSWORD]);
  });

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
      for (const c of [0, 1]) assert.equal(await namespaceExists(tb, c, ns), false);
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
