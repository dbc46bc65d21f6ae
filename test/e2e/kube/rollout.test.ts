// waitForRollouts against a real cluster of the testbed, through the real kubectl: the watch
// (the default), the polling it falls back to when a watch ends early, and the deadline.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createExec } from '../../../common/exec.ts';
import { createKubectl, type Kubectl } from '../../../common/kube/kubectl.ts';
import { waitForRollouts } from '../../../common/kube/rollout.ts';
import type { ClusterTarget } from '../../../common/kube/target.ts';
import { createLogger, memorySink } from '../../../common/log.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import { BROKEN_IMAGE } from '../../testbed/kube/cluster.ts';
import type { TestbedState } from '../../testbed/state.ts';

const NAMESPACE = 'wait-test';

function deployment(name: string, image: string, progressDeadline = 600): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: progressDeadline,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }], terminationGracePeriodSeconds: 1 },
      },
    },
  });
}

describe('waitForRollouts on a testbed cluster', function () {
  this.timeout(120_000);
  let state: TestbedState;
  let target: ClusterTarget;
  let kubectl: Kubectl;
  let sink: ReturnType<typeof memorySink>;
  let log: ReturnType<typeof createLogger>;

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
    const c = state.clusters[0];
    if (!c || !state.tools.kubectl) throw new Error('the testbed has no cluster or kubectl');
    target = {
      id: c.name,
      name: c.name,
      namespace: NAMESPACE,
      kubeconfig: c.adminKubeconfig,
      context: c.name,
      server: c.server,
    };
    sink = memorySink();
    log = createLogger({ sink, progressIntervalMs: 0 });
    kubectl = createKubectl(createExec(log), state.tools.kubectl);
    await kubectl.run(target, ['create', 'namespace', NAMESPACE]).catch(() => undefined);
  });
  after(async () => {
    await kubectl?.run(target, ['delete', 'namespace', NAMESPACE, '--wait=false']).catch(() => undefined);
  });

  const apply = (manifest: string) => kubectl.run(target, ['apply', '-f', '-'], { input: manifest });

  it('watching: done as soon as both Deployments are ready', async () => {
    await apply(`${deployment('w1', 'registry.local/app:v1')}\n${deployment('w2', 'registry.local/app:v1')}`);
    const refs = [
      { kind: 'Deployment' as const, name: 'w1' },
      { kind: 'Deployment' as const, name: 'w2' },
    ];
    const debugSink = memorySink();
    const debugLog = createLogger({ sink: debugSink, debug: true, progressIntervalMs: 0 });
    const watching = createKubectl(createExec(debugLog), state.tools.kubectl);
    const r = await waitForRollouts(watching, target, refs, debugLog, { deadline: Date.now() + 60_000 });
    assert.equal(r.ok, true, r.reason);
    assert.match(debugSink.text(), /rolled out in/);
    // Answered by the watch, which was then stopped: one `get --watch`, no poll, none left running.
    assert.match(debugSink.text(), /get deployment --watch -o json -> stopped in/);
    assert.doesNotMatch(debugSink.text(), /polling instead|get deployment -o json/);
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    assert.doesNotMatch(ps, new RegExp(`kubeconfig=${target.kubeconfig}.*--watch`));
  });

  it('a watch that ends early (an API error): the same answer by polling', async () => {
    await apply(deployment('p1', 'registry.local/app:v2'));
    const failingWatch: Kubectl = {
      ...kubectl,
      watch: () => Promise.reject(new Error('kubectl get --watch exited 1: connection refused')),
    };
    const debugSink = memorySink();
    const debugLog = createLogger({ sink: debugSink, debug: true, progressIntervalMs: 0 });
    const r = await waitForRollouts(failingWatch, target, [{ kind: 'Deployment', name: 'p1' }], debugLog, {
      deadline: Date.now() + 60_000,
      pollMs: 200,
    });
    assert.equal(r.ok, true, r.reason);
    assert.match(
      debugSink.text(),
      /watch ended: kubectl get --watch exited 1: connection refused; polling instead/,
    );
  });

  it('a rollout that never gets ready: a timed-out answer at the deadline, watching', async () => {
    await apply(deployment('b1', BROKEN_IMAGE));
    const r = await waitForRollouts(kubectl, target, [{ kind: 'Deployment', name: 'b1' }], log, {
      deadline: Date.now() + 3000,
    });
    assert.equal(r.ok, false);
    assert.match(r.reason ?? '', /^timed out waiting for deployment\/b1 \(/);
  });

  it('stops when told to (another cluster failed)', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 500);
    const r = await waitForRollouts(kubectl, target, [{ kind: 'Deployment', name: 'b1' }], log, {
      deadline: Date.now() + 60_000,
      signal: stop.signal,
    });
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'stopped: another cluster failed');
  });
});
