// Settings that would go wrong only on a cluster (an image that matches no container, a
// namespace Kubernetes refuses, a workload of a kind it cannot wait for) are settings
// errors, found before any cluster is contacted: run() gets a Google client and an exec that
// record every call.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SettingsError } from '../../../../common/errors.ts';
import { run } from '../../../../plugins/gke-deploy/main.ts';
import { noContactDeps } from '../../../helpers/no-contact.ts';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/gke-deploy/web');

function recorder() {
  const r = noContactDeps();
  return { ...r, deps: { ...r.deps, workspace: mkdtempSync(join(tmpdir(), 'gke-deploy-before-')) } };
}

const step = {
  PLUGIN_CLUSTERS: 'us-central1/web',
  PLUGIN_TEMPLATE: join(web, '.kube.yml'),
  PLUGIN_VARS: '{"app":"web","tag":"v1","deadline":5}',
};

async function refused(env: Record<string, string>): Promise<SettingsError> {
  const r = recorder();
  let caught: unknown;
  try {
    await run({ ...step, ...env }, r.deps);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SettingsError, `expected a SettingsError, got ${String(caught)}`);
  assert.deepEqual(r.calls, [], 'nothing may be contacted');
  return caught;
}

describe('gke-deploy: refused before any cluster is contacted', () => {
  it('an images entry that matches no container names the setting and the entry', async () => {
    const err = await refused({ PLUGIN_IMAGES: 'registry.local/app:v9,gcr.io/acme/api:v2' });
    assert.deepEqual(err.issues, [
      {
        setting: 'images',
        variable: 'PLUGIN_IMAGES',
        problem:
          '"gcr.io/acme/api:v2" matches no container in the templates (the templates\' images are registry.local/app); give the repository they use (registry/path/name, before the tag), or remove the entry',
      },
    ]);
  });

  it('an unmatched image and a wait_deployments entry missing from the templates, at once', async () => {
    const err = await refused({ PLUGIN_IMAGES: 'gcr.io/acme/api:v2', PLUGIN_WAIT_DEPLOYMENTS: 'sts/db' });
    assert.deepEqual(
      err.issues.map((i) => i.setting),
      ['images', 'wait_deployments'],
    );
    assert.match(
      err.message,
      /"statefulset\/db" is not a workload in the templates \(have: deployment\/web\)/,
    );
  });

  it('a 74-character namespace is refused, not cut to 63', async () => {
    const ns = `web-${'x'.repeat(70)}`;
    const err = await refused({ PLUGIN_NAMESPACE: ns });
    assert.equal(err.issues[0]?.setting, 'namespace');
    assert.match(err.message, /is 74 characters; a namespace has at most 63: shorten it/);
  });

  it('wait_deployments: svc/web is refused with the kinds that work', async () => {
    const err = await refused({ PLUGIN_WAIT_DEPLOYMENTS: 'svc/web' });
    assert.match(
      err.message,
      /setting "wait_deployments" \(PLUGIN_WAIT_DEPLOYMENTS\): "svc\/web": kind "svc" is not one of Deployment, StatefulSet, DaemonSet or Job/,
    );
  });
});
