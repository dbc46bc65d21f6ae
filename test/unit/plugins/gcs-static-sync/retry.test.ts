import assert from 'node:assert/strict';
import { retriableStatus, retryDelay } from '../../../../plugins/gcs-static-sync/retry.ts';

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
});
