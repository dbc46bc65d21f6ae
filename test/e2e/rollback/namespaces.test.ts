// rollback finds the namespaces the deploy used: each cluster's own (clusters given as
// objects with a namespace), through the command gke-deploy prints, run exactly as printed;
// and a kubeconfig context's namespace when `namespace` is not set.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { DeploySummary } from '../../../common/summary.ts';
import { assertNoLeaks } from '../../helpers/canary.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  bundled,
  deploymentOf,
  deployTestbed,
  gkeEnv,
  removeNamespaces,
  runPlugin,
  serviceAccountKey,
  uniqueNamespace,
  workspace,
} from '../gke-deploy/harness.ts';
import { dockerShim, sh } from './by-hand.ts';

describe('rollback: the namespaces the deploy used', function () {
  this.timeout(300_000);
  let tb: TestbedState;

  const image = async (cluster: number, ns: string) => (await deploymentOf(tb, cluster, ns)).image;

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await deployTestbed();
  });
  afterEach(() => removeNamespaces(tb));

  it('the printed command, run as printed, rolls back two clusters that have their own namespaces', async () => {
    const namespaces = [uniqueNamespace('own-a'), uniqueNamespace('own-b')];
    const clusters = JSON.stringify(
      tb.clusters.map((c, i) => ({ name: c.name, location: c.location, namespace: namespaces[i] })),
    );
    const ws = workspace('web');
    let printed = '';
    for (const build of [1, 2]) {
      const env = gkeEnv(tb, 'unused', {
        PLUGIN_CLUSTERS: clusters,
        PLUGIN_CREATE_NAMESPACE: 'true',
        PLUGIN_VARS: JSON.stringify({ app: 'web', tag: `v${build}`, deadline: 30 }),
        SECRET_API_TOKEN: 'canary-secret-by-hand-31',
        DRONE_BUILD_NUMBER: String(build),
      });
      delete env.PLUGIN_NAMESPACE;
      const r = await runPlugin('gke-deploy', env, ws);
      assert.equal(r.code, 0, r.output);
      printed = /^to roll back by hand: (.+)$/m.exec(r.stdout)?.[1] ?? '';
    }
    for (const c of [0, 1]) assert.equal(await image(c, namespaces[c] as string), 'registry.local/app:v2');
    const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    assert.equal(summary.rollbackCommand, printed);

    const dir = mkdtempSync(join(tmpdir(), 'rollback-by-hand-'));
    try {
      dockerShim(dir, await bundled('rollback'));
      writeFileSync(join(dir, 'key.json'), serviceAccountKey(tb));
      const world = {
        PATH: `${join(tb.tools.kubectl as string, '..')}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? '/tmp',
        NODE_EXTRA_CA_CERTS: tb.ca.bundle,
        PLUGIN_GKE_ENDPOINT: tb.gke.apiEndpoint,
        PLUGIN_TOKEN_URL: tb.gke.tokenUrl,
      };
      const r = await sh(printed, dir, {
        PATH: `${dir}:${process.env.PATH ?? ''}`,
        DOCKER_SHIM_WORLD: JSON.stringify(world),
      });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /going back to build 1/);
      assert.match(r.stdout, new RegExp(`namespace ${namespaces[0]}\\).*namespace ${namespaces[1]}\\)`));
      assertNoLeaks(`${r.stdout}\n${r.stderr}`, [serviceAccountKey(tb)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const c of [0, 1]) assert.equal(await image(c, namespaces[c] as string), 'registry.local/app:v1');
    // Each cluster with its own namespace: JSON objects, single-quoted for the shell.
    assert.match(printed, /^docker run --rm -e PLUGIN_CLUSTERS='\[\{/);
    assert.match(printed, /-e PLUGIN_TO_BUILD=1 /);
  });

  it("uses the kubeconfig context's namespace when namespace is not set", async () => {
    const ns = uniqueNamespace('kc');
    const ws = workspace('web');
    for (const build of [1, 2]) {
      const r = await runPlugin(
        'gke-deploy',
        gkeEnv(tb, ns, {
          PLUGIN_CLUSTERS: `${tb.clusters[0]?.location}/${tb.clusters[0]?.name}`,
          PLUGIN_CREATE_NAMESPACE: 'true',
          PLUGIN_VARS: JSON.stringify({ app: 'web', tag: `v${build}`, deadline: 30 }),
          SECRET_API_TOKEN: 'canary-secret-kc-32',
          DRONE_BUILD_NUMBER: String(build),
        }),
        ws,
      );
      assert.equal(r.code, 0, r.output);
    }
    const kubeconfig = parse(readFileSync(tb.clusters[0]?.adminKubeconfig as string, 'utf8')) as {
      'current-context': string;
      contexts: { name: string; context: Record<string, string> }[];
    };
    const current = kubeconfig.contexts.find((c) => c.name === kubeconfig['current-context']);
    assert.ok(current, 'the admin kubeconfig has a current context');
    current.context.namespace = ns;
    const env = gkeEnv(tb, 'unused', { PLUGIN_KUBECONFIG: stringify(kubeconfig) });
    for (const k of [
      'PLUGIN_NAMESPACE',
      'PLUGIN_CLUSTERS',
      'PLUGIN_TOKEN',
      'PLUGIN_GKE_ENDPOINT',
      'PLUGIN_TOKEN_URL',
    ])
      delete env[k];
    const r = await runPlugin('rollback', env, ws);
    assert.equal(r.code, 0, r.output);
    assert.match(r.stdout, new RegExp(`\\(namespace ${ns}\\)`));
    assert.equal(await image(0, ns), 'registry.local/app:v1');
  });
});
