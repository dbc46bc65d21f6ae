// A cancelled deploy through the image, as a person or a runner stops a container:
// `podman stop` (SIGTERM, then SIGKILL after its grace) and `podman kill` (SIGKILL at once,
// as Drone's docker runner does). The image must stop cleanly on the first and leave a
// record that the rollback image repairs after the second.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeploySummary } from '../../common/summary.ts';
import { buildAll, imageRef } from '../../scripts/images/build.ts';
import { ensurePackages, podman, podmanOk } from '../../scripts/images/podman.ts';
import {
  deploymentOf,
  FIXTURES,
  gkeImageEnv,
  removeNamespaces,
  serviceAccountKey,
  uniqueNamespace,
} from '../e2e/gke-deploy/harness.ts';
import { assertNoLeaks } from '../helpers/canary.ts';
import { useTestbed } from '../testbed/hooks.ts';
import type { TestbedState } from '../testbed/state.ts';
import { openDir, openTree, out, runImage } from './run.ts';

const log = (line: string) => process.stderr.write(`      [images] ${line}\n`);
const API_TOKEN = 'canary-images-cancel-token-8b1e';

describe('gke-deploy image stopped mid-rollout (podman stop, podman kill)', function () {
  this.timeout(300_000);
  let tb: TestbedState;
  let ca: string;

  before(async function () {
    this.timeout(60 * 60_000);
    await ensurePackages(log);
    await buildAll(['gke-deploy', 'rollback'], log);
    tb = await useTestbed({ clusters: 2 });
    ca = join(openDir('ca'), 'ca-bundle.pem');
    copyFileSync(tb.ca.bundle, ca);
    chmodSync(ca, 0o644);
  });
  afterEach(() => removeNamespaces(tb));

  const gke = (ns: string, extra: Record<string, string> = {}) => gkeImageEnv(tb, ns, extra);
  const deployEnv = (ns: string, build: number, tag: string) =>
    gke(ns, {
      DRONE: 'true',
      DRONE_REPO: 'acme/web',
      PLUGIN_CREATE_NAMESPACE: 'true',
      PLUGIN_VARS: JSON.stringify({ app: 'web', tag, deadline: tag === 'broken' ? 600 : 30 }),
      SECRET_API_TOKEN: API_TOKEN,
      DRONE_BUILD_NUMBER: String(build),
    });

  async function workspaceOnV1(ns: string): Promise<string> {
    const ws = openDir('ws');
    cpSync(join(FIXTURES, 'web'), ws, { recursive: true });
    openTree(ws);
    const r = await runImage(imageRef('gke-deploy'), { workspace: ws, ca, env: deployEnv(ns, 1, 'v1') });
    assert.equal(r.code, 0, out(r));
    return ws;
  }

  /** Waits until both clusters have the broken image applied (the rollout is under way). */
  async function untilApplied(ns: string): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const images = await Promise.all([0, 1].map((c) => deploymentOf(tb, c, ns).then((d) => d.image)));
      if (images.every((x) => x === 'registry.local/app:broken')) return;
      await sleep(200);
    }
    throw new Error('the broken image never reached both clusters');
  }

  async function assertOnV1(ns: string): Promise<void> {
    for (const c of [0, 1]) {
      const d = await deploymentOf(tb, c, ns);
      assert.equal(d.image, 'registry.local/app:v1');
      assert.equal(d.status.readyReplicas, 3);
    }
  }

  it('podman stop: SIGTERM rolls both clusters back within the grace, exit 143, summary cancelled', async () => {
    const ns = uniqueNamespace('imgstop');
    const ws = await workspaceOnV1(ns);
    const name = `gke-deploy-stop-${randomBytes(3).toString('hex')}`;
    const running = runImage(imageRef('gke-deploy'), {
      workspace: ws,
      ca,
      name,
      env: deployEnv(ns, 2, 'broken'),
    });
    await untilApplied(ns);
    await podmanOk(['stop', '--time', '10', name]);
    const r = await running;
    assert.equal(r.code, 143, out(r));
    assert.match(r.stderr, /received SIGTERM: gke-deploy is stopping cleanly/);
    assert.match(r.stderr, /gke-deploy cancelled by SIGTERM: every changed cluster \(2\) was rolled back/);
    assertNoLeaks(`${r.stdout}\n${r.stderr}`, [serviceAccountKey(tb), API_TOKEN]);
    await assertOnV1(ns);
    const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    assert.equal(summary.result, 'cancelled');
  });

  it('podman kill (SIGKILL, as Drone cancels): the rollback image with cluster access only repairs it', async () => {
    const ns = uniqueNamespace('imgkill');
    const ws = await workspaceOnV1(ns);
    const name = `gke-deploy-kill-${randomBytes(3).toString('hex')}`;
    const running = runImage(imageRef('gke-deploy'), {
      workspace: ws,
      ca,
      name,
      env: deployEnv(ns, 2, 'broken'),
    });
    await untilApplied(ns);
    await podmanOk(['kill', name]);
    const killed = await running;
    assert.equal(killed.code, 137, out(killed));
    const r = await runImage(imageRef('rollback'), { workspace: ws, ca, env: gke(ns) });
    assert.equal(r.code, 0, out(r));
    assert.match(
      r.stderr,
      /build 2 \(gke-deploy\), started .*, was stopped during its rollout: deployment\/web is between revisions/,
    );
    assertNoLeaks(`${r.stdout}\n${r.stderr}`, [serviceAccountKey(tb)]);
    await assertOnV1(ns);
    // Nothing of the killed container is left running.
    const left = await podman(['container', 'exists', name]);
    assert.notEqual(left.code, 0, 'the --rm container is gone');
  });
});
