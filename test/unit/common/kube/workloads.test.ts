import assert from 'node:assert/strict';
import {
  type KubeObject,
  parseWorkloadRef,
  parseWorkloadRefs,
  rolloutState,
} from '../../../../common/kube/workloads.ts';

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
    assert.equal(parseWorkloadRef('deployment/'), undefined);
    assert.equal(parseWorkloadRef('a/b/c'), undefined);
    assert.equal(parseWorkloadRef('Web'), undefined);
  });
});

describe('parseWorkloadRefs', () => {
  const parse = (values: string[], kinds?: Parameters<typeof parseWorkloadRefs>[3]) =>
    parseWorkloadRefs(values, 'deployments', 'PLUGIN_DEPLOYMENTS', kinds);

  it('reads every entry, in order', () => {
    assert.deepEqual(parse(['web', 'deploy/api', 'sts/db', 'ds/agent']), {
      refs: [
        { kind: 'Deployment', name: 'web' },
        { kind: 'Deployment', name: 'api' },
        { kind: 'StatefulSet', name: 'db' },
        { kind: 'DaemonSet', name: 'agent' },
      ],
      issues: [],
    });
  });

  it('refuses kinds it does not roll back (foo/web, pod/x, svc/x, job/x), naming the setting and the fix', () => {
    const { refs, issues } = parse(['foo/web', 'pod/x', 'web', 'svc/x', 'job/x']);
    assert.deepEqual(refs, [{ kind: 'Deployment', name: 'web' }]);
    assert.deepEqual(
      issues.map((i) => [i.setting, i.variable]),
      Array(4).fill(['deployments', 'PLUGIN_DEPLOYMENTS']),
    );
    assert.equal(
      issues[0]?.problem,
      `"foo/web": kind "foo" is not one of Deployment, StatefulSet or DaemonSet; write a Deployment's name (web), or deployment/NAME, statefulset/NAME or daemonset/NAME`,
    );
    assert.match(issues[1]?.problem ?? '', /^"pod\/x": kind "pod" is not one of/);
    assert.match(issues[2]?.problem ?? '', /^"svc\/x": kind "svc" is not one of/);
    assert.match(issues[3]?.problem ?? '', /^"job\/x": kind "job" is not one of/);
  });

  it('takes the kinds a setting allows (gke-deploy waits for Jobs too)', () => {
    const r = parse(['job/migrate'], ['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
    assert.deepEqual(r, { refs: [{ kind: 'Job', name: 'migrate' }], issues: [] });
  });

  it('refuses what is no reference at all', () => {
    const { issues } = parse(['a/b/c', 'deployment/', 'Web App']);
    assert.deepEqual(
      issues.map((i) => i.problem.split(';')[0]),
      [
        '"a/b/c" is not a workload name or kind/name',
        '"deployment/" is not a workload name or kind/name',
        '"Web App" is not a workload name or kind/name',
      ],
    );
  });
});
