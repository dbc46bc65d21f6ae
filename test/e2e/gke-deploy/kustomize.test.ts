// gke-deploy's `kustomize`, through the bundle: an overlay (a replicas patch and an `images:`
// transformer) rendered by `kubectl kustomize`, then the same pipeline as templates on two
// clusters (`images` on top, provenance, the rolling-update policy, rollout, summary) and a
// rollback of it; a kustomization that kubectl refuses, and `kustomize` beside `template`,
// each an error naming the setting (and the file) before anything is applied.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploySummary } from '../../../common/summary.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  deployTestbed,
  gkeEnv,
  kubectl,
  namespaceExists,
  removeNamespaces,
  runPlugin,
  uniqueNamespace,
  workspace,
} from './harness.ts';

interface Deployed {
  metadata: { annotations: Record<string, string> };
  spec: {
    replicas: number;
    strategy: { rollingUpdate?: unknown };
    template: { spec: { containers: { name: string; image: string }[] } };
  };
}

describe('gke-deploy: kustomize', function () {
  this.timeout(300_000);
  let tb: TestbedState;

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await deployTestbed();
  });
  afterEach(() => removeNamespaces(tb));

  const env = (ns: string, extra: Record<string, string>) =>
    gkeEnv(tb, ns, { PLUGIN_CREATE_NAMESPACE: 'true', PLUGIN_LOCK: 'off', ...extra });

  const web = async (cluster: number, ns: string): Promise<Deployed> =>
    JSON.parse(await kubectl(tb, cluster, ['-n', ns, 'get', 'deployment', 'web', '-o', 'json'])) as Deployed;

  const images = (d: Deployed) => d.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`);

  it('an overlay with a patch and an images: transformer, `images` on top, on two clusters; rolled back', async () => {
    const ns = uniqueNamespace('kz');
    const ws = workspace('kustomize');
    for (const build of [1, 2]) {
      const r = await runPlugin(
        'gke-deploy',
        env(ns, {
          PLUGIN_KUSTOMIZE: 'overlays/production',
          PLUGIN_IMAGES: `registry.local/app:v${build}`,
          DRONE_BUILD_NUMBER: String(build),
        }),
        ws,
      );
      assert.equal(r.code, 0, r.output);
    }
    for (const c of [0, 1]) {
      const d = await web(c, ns);
      const where = `cluster ${c}, namespace ${ns}`;
      assert.deepEqual(
        images(d),
        ['web=registry.local/app:v2', 'sidecar=registry.local/sidecar:v7'],
        `${where}: the app image from "images", the sidecar's tag from the overlay's images: transformer`,
      );
      assert.equal(d.spec.replicas, 3, `${where}: the overlay's replicas patch`);
      assert.equal(d.metadata.annotations['drone-gke/build-number'], '2', `${where}: provenance`);
      assert.deepEqual(
        d.spec.strategy.rollingUpdate,
        { maxSurge: '10%', maxUnavailable: 0 },
        `${where}: the rolling-update policy`,
      );
    }
    const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    assert.equal(summary.result, 'deployed', 'summary result');
    assert.deepEqual(
      summary.images,
      ['registry.local/app:v2', 'registry.local/sidecar:v7'],
      "the summary's images: every image the run applied, the overlay's too",
    );

    const back = await runPlugin('rollback', gkeEnv(tb, ns, { DRONE_BUILD_NUMBER: '3' }), ws);
    assert.equal(back.code, 0, back.output);
    for (const c of [0, 1]) {
      assert.deepEqual(
        images(await web(c, ns)),
        ['web=registry.local/app:v1', 'sidecar=registry.local/sidecar:v7'],
        `cluster ${c}: build 1's images after the rollback`,
      );
    }
  });

  it('a kustomization kubectl refuses: exit 1 naming the setting and the file, nothing applied', async () => {
    const ns = uniqueNamespace('kz-broken');
    const r = await runPlugin(
      'gke-deploy',
      env(ns, { PLUGIN_KUSTOMIZE: 'overlays/broken' }),
      workspace('kustomize'),
    );
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.output,
      /setting "kustomize" \(PLUGIN_KUSTOMIZE\): overlays\/broken\/kustomization\.yaml: kubectl kustomize failed: .*missing-configmap\.yaml/,
    );
    for (const c of [0, 1]) {
      assert.equal(await namespaceExists(tb, c, ns), false, `namespace ${ns} was created on cluster ${c}`);
    }
  });

  it('kustomize with template: an error naming both', async () => {
    const ns = uniqueNamespace('kz-both');
    const r = await runPlugin(
      'gke-deploy',
      env(ns, { PLUGIN_KUSTOMIZE: 'overlays/production', PLUGIN_TEMPLATE: 'base/deployment.yaml' }),
      workspace('kustomize'),
    );
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.output,
      /setting "kustomize" \(PLUGIN_KUSTOMIZE\): set "kustomize" or "template", not both/,
    );
  });
});
