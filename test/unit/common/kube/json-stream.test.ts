import assert from 'node:assert/strict';
import { jsonStream } from '../../../../common/kube/json-stream.ts';

describe('jsonStream: kubectl get --watch -o json output', () => {
  const docs = [
    { kind: 'Deployment', metadata: { name: 'web' }, status: { replicas: 3 } },
    { kind: 'Deployment', metadata: { name: 'a "quoted" {brace}' }, note: 'back\\slash } and \\" quote' },
    { kind: 'Deployment', metadata: { name: 'ünï 日本' }, list: [{ a: 1 }, { b: [2, 3] }] },
  ];
  const text = docs.map((d) => `${JSON.stringify(d, null, 4)}\n`).join('');

  it('gives each document whole, whatever the chunk size, braces in strings included', () => {
    for (const size of [1, 2, 3, 7, 64, text.length]) {
      const seen: unknown[] = [];
      const s = jsonStream((v) => seen.push(v));
      for (let i = 0; i < text.length; i += size) s.push(text.slice(i, i + size));
      assert.deepEqual(seen, docs, `chunks of ${size}`);
    }
  });

  it('gives nothing for a document still in progress', () => {
    const seen: unknown[] = [];
    const s = jsonStream((v) => seen.push(v));
    s.push(text.slice(0, text.indexOf('"status"')));
    assert.deepEqual(seen, []);
  });
});
