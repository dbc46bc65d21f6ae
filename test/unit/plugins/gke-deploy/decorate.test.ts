import assert from 'node:assert/strict';
import { addProvenance, applyStrategyPolicy } from '../../../../plugins/gke-deploy/decorate.ts';
import type { Manifest } from '../../../../plugins/gke-deploy/manifests.ts';

const deployment = (spec: Record<string, unknown> = {}): Manifest => ({
  doc: {
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { template: { metadata: { labels: { app: 'web' } } }, ...spec },
  },
  file: '.kube.yml',
  line: 1,
});

describe('addProvenance', () => {
  it('labels the workload and annotates it and its pod template; leaves other kinds alone', () => {
    const d = deployment();
    const svc: Manifest = { doc: { kind: 'Service', metadata: { name: 'web' } }, file: 'f', line: 1 };
    addProvenance([d, svc], { build: 42, commit: 'abc', deployer: 'alice' }, 'gke-deploy build 42');
    const meta = d.doc.metadata as unknown as {
      labels: Record<string, string>;
      annotations: Record<string, string>;
    };
    assert.equal(meta.labels['app.kubernetes.io/managed-by'], 'gke-deploy');
    assert.equal(meta.annotations['drone-gke/build-number'], '42');
    assert.equal(meta.annotations['kubernetes.io/change-cause'], 'gke-deploy build 42');
    const pod = (
      d.doc.spec as {
        template: { metadata: { annotations: Record<string, string>; labels: Record<string, string> } };
      }
    ).template.metadata;
    assert.deepEqual(pod.annotations, {
      'drone-gke/build-number': '42',
      'drone-gke/commit': 'abc',
      'drone-gke/deployer': 'alice',
    });
    assert.deepEqual(pod.labels, { app: 'web' }, 'pod labels (and so selectors) are untouched');
    assert.deepEqual(svc.doc.metadata, { name: 'web' });
  });
});

describe('applyStrategyPolicy', () => {
  it('gives a Deployment without a strategy maxSurge 10% / maxUnavailable 0', () => {
    const d = deployment();
    assert.deepEqual(applyStrategyPolicy([d], true), []);
    assert.deepEqual((d.doc.spec as { strategy: unknown }).strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '10%', maxUnavailable: 0 },
    });
  });

  it('flags Kubernetes defaults (25% unavailable) when defaults are off, Recreate, and maxUnavailable above 0', () => {
    const findings = applyStrategyPolicy(
      [
        deployment(),
        deployment({ strategy: { type: 'Recreate' } }),
        deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '1' } } }),
        deployment({
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '0%', maxSurge: 1 } },
        }),
      ],
      false,
    );
    assert.deepEqual(
      findings.map((f) => f.problem.split(':')[0]),
      [
        'allows maxUnavailable "25%"',
        'uses strategy Recreate, which stops every pod before starting new ones',
        'allows maxUnavailable "1"',
      ],
    );
  });
});
