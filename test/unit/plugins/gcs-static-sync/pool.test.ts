import assert from 'node:assert/strict';
import { forEachLimit } from '../../../../plugins/gcs-static-sync/pool.ts';

describe('gcs-static-sync: forEachLimit', () => {
  it('runs every item, never more than `limit` at once', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimit(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (i) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, i % 3));
        seen.push(i);
        running -= 1;
      },
    );
    assert.equal(peak, 4);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it('rejects on the first error and takes no new item after it', async () => {
    const started: number[] = [];
    await assert.rejects(
      forEachLimit([0, 1, 2, 3, 4, 5, 6, 7], 2, async (i) => {
        started.push(i);
        await new Promise((r) => setTimeout(r, 1));
        if (i === 1) throw new Error('boom');
      }),
      /boom/,
    );
    assert.ok(started.length <= 3, `started ${started.join()}`);
  });

  it('handles no items', async () => {
    await forEachLimit([], 8, async () => assert.fail('called'));
  });
});
