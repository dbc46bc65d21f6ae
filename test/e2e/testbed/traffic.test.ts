// The service-metrics simulation on its own (no testbed): which pods count, and counters that
// only grow, split by the rule of their image tag.
import assert from 'node:assert/strict';
import { imageTag, type PodLike, podGroups, Traffic } from '../../testbed/servers/traffic.ts';

function pod(
  name: string,
  image: string,
  opts: { ready?: boolean; deleting?: boolean; rs?: string } = {},
): PodLike {
  const hash = '5d9f7c';
  return {
    metadata: {
      name,
      namespace: 'shop',
      labels: { 'pod-template-hash': hash },
      ownerReferences: [{ kind: 'ReplicaSet', name: opts.rs ?? `web-${hash}` }],
      ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { containers: [{ image }] },
    status: { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

const sample = (text: string, series: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${series} `))
      ?.split(' ')[1],
  );

describe('testbed: simulated service traffic', () => {
  it('reads the tag of an image reference', () => {
    assert.equal(imageTag('registry.local/app:v2'), 'v2');
    assert.equal(imageTag('localhost:5000/app'), 'latest');
    assert.equal(imageTag('localhost:5000/app:v3@sha256:abc'), 'v3');
  });

  it('counts Ready pods of Deployments per tag, not others', () => {
    const groups = podGroups([
      pod('a', 'r/app:v1'),
      pod('b', 'r/app:v1'),
      pod('c', 'r/app:v2'),
      pod('d', 'r/app:v2', { ready: false }),
      pod('e', 'r/app:v2', { deleting: true }),
      pod('f', 'r/app:v2', { rs: 'not-from-a-deployment' }),
    ]);
    assert.deepEqual(groups, [
      { namespace: 'shop', deployment: 'web', tag: 'v1', ready: 2 },
      { namespace: 'shop', deployment: 'web', tag: 'v2', ready: 1 },
    ]);
  });

  it('grows counters with elapsed time, split by the tag rule', () => {
    const traffic = new Traffic();
    traffic.setRule({ tag: 'bad', errorRatio: 0.25, latencyMs: 800 });
    const groups = [{ namespace: 'shop', deployment: 'web', tag: 'bad', ready: 2 }];
    traffic.advance('c1', groups, 1000);
    const labels = 'cluster="c1",namespace="shop",deployment="web",image_tag="bad"';
    assert.equal(sample(traffic.exposition('c1'), `http_requests_total{${labels},code="500"}`), 0);
    traffic.advance('c1', groups, 3000);
    traffic.advance('c1', [], 4000);
    const text = traffic.exposition('c1');
    assert.equal(sample(text, `http_requests_total{${labels},code="500"}`), 10);
    assert.equal(sample(text, `http_requests_total{${labels},code="200"}`), 30);
    assert.equal(sample(text, `http_request_duration_seconds_bucket{${labels},le="0.5"}`), 0);
    assert.equal(sample(text, `http_request_duration_seconds_bucket{${labels},le="1"}`), 40);
    assert.equal(sample(text, `http_request_duration_seconds_sum{${labels}}`), 32);
    assert.equal(traffic.exposition('c2').includes('image_tag'), false);
  });
});
