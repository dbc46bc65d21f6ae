import assert from 'node:assert/strict';
import { normalizeRepository, parseImageRef, replaceImages } from '../../../../plugins/gke-deploy/images.ts';

describe('image references', () => {
  it('parses registry ports, paths, tags and digests', () => {
    assert.deepEqual(parseImageRef('registry.local:5000/team/app:1.2@sha256:abc'), {
      repository: 'registry.local:5000/team/app',
      tag: '1.2',
      digest: 'sha256:abc',
    });
    assert.deepEqual(parseImageRef('registry.local:5000/team/app'), {
      repository: 'registry.local:5000/team/app',
      tag: undefined,
      digest: undefined,
    });
    assert.deepEqual(parseImageRef('nginx@sha256:def'), {
      repository: 'nginx',
      tag: undefined,
      digest: 'sha256:def',
    });
    assert.deepEqual(parseImageRef('gcr.io/p/web:v2'), {
      repository: 'gcr.io/p/web',
      tag: 'v2',
      digest: undefined,
    });
  });

  it('treats short and long Docker Hub names alike', () => {
    assert.equal(normalizeRepository('nginx'), 'docker.io/library/nginx');
    assert.equal(normalizeRepository('docker.io/library/nginx'), 'docker.io/library/nginx');
    assert.equal(normalizeRepository('acme/web'), 'docker.io/acme/web');
    assert.equal(normalizeRepository('localhost:5000/web'), 'localhost:5000/web');
  });

  it('replaces images by repository in containers and init containers of every pod template', () => {
    const docs = [
      {
        kind: 'Deployment',
        spec: {
          template: {
            spec: {
              initContainers: [{ name: 'migrate', image: 'gcr.io/p/web:old' }],
              containers: [
                { name: 'web', image: 'gcr.io/p/web@sha256:aaa' },
                { name: 'proxy', image: 'nginx:1.25' },
              ],
            },
          },
        },
      },
      {
        kind: 'CronJob',
        spec: {
          jobTemplate: {
            spec: { template: { spec: { containers: [{ name: 'c', image: 'gcr.io/p/web' }] } } },
          },
        },
      },
    ];
    const counts = replaceImages(docs, [
      'gcr.io/p/web:v3',
      'docker.io/library/nginx:1.27',
      'gcr.io/p/other:1',
    ]);
    assert.deepEqual(counts, [3, 1, 0]);
    const d = docs[0] as {
      spec: { template: { spec: { initContainers: { image: string }[]; containers: { image: string }[] } } };
    };
    assert.equal(d.spec.template.spec.initContainers[0]?.image, 'gcr.io/p/web:v3');
    assert.deepEqual(
      d.spec.template.spec.containers.map((c) => c.image),
      ['gcr.io/p/web:v3', 'docker.io/library/nginx:1.27'],
    );
  });

  it('does not mistake a registry port for a tag', () => {
    const docs = [{ kind: 'Pod', spec: { containers: [{ name: 'a', image: 'registry.local:5000/web' }] } }];
    assert.deepEqual(replaceImages(docs, ['registry.local:5000/web:v9']), [1]);
    assert.deepEqual(replaceImages(docs, ['registry.local:5001/web:v9']), [0]);
  });
});
