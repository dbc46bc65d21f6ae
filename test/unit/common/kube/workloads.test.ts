import assert from 'node:assert/strict';
import { type KubeObject, parseWorkloadRef, rolloutState } from '../../../../common/kube/workloads.ts';

const deploy = (status: Record<string, unknown>, generation = 2, replicas = 3): KubeObject => ({
  kind: 'Deployment',
  metadata: { name: 'web', generation },
  spec: { replicas },
  status: { observedGeneration: 2, ...status },
});

describe('rolloutState (as kubectl rollout status judges)', () => {
  it('waits until the controller has seen the new spec', () => {
    assert.equal(rolloutState(deploy({ observedGeneration: 1 })).state, 'progressing');
  });

  it('follows updated, old and available replicas of a Deployment', () => {
    assert.deepEqual(
      rolloutState(deploy({ updatedReplicas: 1, replicas: 4, readyReplicas: 3, availableReplicas: 3 })),
      {
        state: 'progressing',
        message: '1/3 updated, 3/3 ready',
      },
    );
    assert.match(
      rolloutState(deploy({ updatedReplicas: 3, replicas: 4, readyReplicas: 3, availableReplicas: 3 }))
        .message,
      /1 old pending termination/,
    );
    assert.equal(
      rolloutState(deploy({ updatedReplicas: 3, replicas: 3, readyReplicas: 2, availableReplicas: 2 })).state,
      'progressing',
    );
    assert.deepEqual(
      rolloutState(deploy({ updatedReplicas: 3, replicas: 3, readyReplicas: 3, availableReplicas: 3 })),
      {
        state: 'done',
        message: '3/3 updated, 3/3 ready',
      },
    );
  });

  it('fails a Deployment past its progress deadline', () => {
    const s = rolloutState(
      deploy({
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'RS "web-1" has timed out progressing.',
          },
        ],
      }),
    );
    assert.deepEqual(s, {
      state: 'failed',
      message: 'exceeded its progress deadline: RS "web-1" has timed out progressing.',
    });
  });

  it('judges StatefulSets, DaemonSets and Jobs', () => {
    const sts: KubeObject = {
      kind: 'StatefulSet',
      metadata: { name: 'db', generation: 1 },
      spec: { replicas: 2 },
      status: {
        observedGeneration: 1,
        readyReplicas: 2,
        updatedReplicas: 2,
        currentRevision: 'a',
        updateRevision: 'a',
      },
    };
    assert.equal(rolloutState(sts).state, 'done');
    const ds: KubeObject = {
      kind: 'DaemonSet',
      metadata: { name: 'agent', generation: 1 },
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 3,
        updatedNumberScheduled: 2,
        numberAvailable: 3,
      },
    };
    assert.deepEqual(rolloutState(ds), { state: 'progressing', message: '2/3 updated, 3/3 available' });
    const job: KubeObject = {
      kind: 'Job',
      metadata: { name: 'migrate' },
      spec: { completions: 1 },
      status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
    };
    assert.equal(rolloutState(job).state, 'failed');
  });
});

describe('parseWorkloadRef', () => {
  it('reads names and kind/name, with kubectl short names', () => {
    assert.deepEqual(parseWorkloadRef('web'), { kind: 'Deployment', name: 'web' });
    assert.deepEqual(parseWorkloadRef('sts/db'), { kind: 'StatefulSet', name: 'db' });
    assert.deepEqual(parseWorkloadRef('daemonset/agent'), { kind: 'DaemonSet', name: 'agent' });
    assert.equal(parseWorkloadRef('service/web'), undefined);
  });
});
