import assert from 'node:assert/strict';
import { HttpError } from '../../../../common/errors.ts';
import { retriableStatus, retryDelay, withRetry } from '../../../../plugins/gcs-static-sync/retry.ts';

describe('gcs-static-sync: retry policy', () => {
  const noJitter = () => 0;

  it('backs off exponentially, capped, and stops after maxRetries', () => {
    const opts = { maxRetries: 6, retryDelayMultiplier: 2, maxRetryDelay: 10, totalTimeout: 600 };
    const delays = Array.from({ length: 7 }, (_, i) => retryDelay(opts, i, 0, noJitter));
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 10_000, 10_000, undefined]);
  });

  it('adds up to a second of jitter, never past the total timeout, and none when autoRetry is off', () => {
    assert.equal(
      retryDelay({ retryDelayMultiplier: 1 }, 0, 0, () => 0.5),
      1500,
    );
    assert.equal(retryDelay({ totalTimeout: 5 }, 2, 1500, noJitter), undefined, '1.5 s spent + 4 s > 5 s');
    assert.equal(retryDelay({ totalTimeout: 5 }, 1, 1500, noJitter), 2000);
    assert.equal(retryDelay({ autoRetry: false }, 0, 0, noJitter), undefined);
  });

  it('retries 408, 429 and 5xx only', () => {
    assert.deepEqual(
      [200, 400, 401, 403, 404, 408, 412, 429, 500, 502, 503, 599].filter(retriableStatus),
      [408, 429, 500, 502, 503, 599],
    );
  });

  it('retries a 503 until it succeeds, and nothing once the run is cancelled', async () => {
    const flaky = (failures: number) => {
      let calls = 0;
      const attempt = async () => {
        calls += 1;
        if (calls <= failures) throw new HttpError('503 Backend Error', 503);
        return 'ok';
      };
      return { attempt, calls: () => calls };
    };
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
    };
    const a = flaky(2);
    assert.equal(await withRetry(a.attempt, { sleep }), 'ok');
    assert.deepEqual([a.calls(), waits.length], [3, 2]);
    const cancelled = AbortSignal.abort();
    const b = flaky(1);
    await assert.rejects(withRetry(b.attempt, { sleep, noRetryAfter: cancelled }), /503/);
    assert.equal(b.calls(), 1, 'no retry after a cancel');
  });
});
