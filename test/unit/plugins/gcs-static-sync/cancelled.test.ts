// What a cancelled sync says: the last line, the CDN warning, the summary rows, and that the
// storage client stops retrying once the run is cancelled.
import assert from 'node:assert/strict';
import { ApiError } from '@google-cloud/storage';
import { cancelledMessage, cdnSkippedMessage } from '../../../../plugins/gcs-static-sync/cancelled.ts';
import { storageOptions } from '../../../../plugins/gcs-static-sync/storage.ts';
import { formatSummary, type SyncCounts } from '../../../../plugins/gcs-static-sync/summary.ts';

const counts: SyncCounts = {
  uploaded: 2,
  uploadedBytes: 2048,
  sentBytes: 2048,
  unchanged: 5,
  patched: 1,
  deleted: 0,
  kept: 0,
  extra: 0,
  failed: 0,
  ignored: 0,
  elapsedMs: 1000,
};

describe('gcs-static-sync: a cancelled sync', () => {
  it('its last line says what was done and what was left', () => {
    const base = {
      dryRun: false,
      uploaded: 2,
      plannedUploads: 10,
      patched: 0,
      plannedPatches: 0,
      failed: 0,
      undone: { uploads: 8, patches: 0, deletes: 3 },
      cdnSkipped: true,
    };
    assert.equal(
      cancelledMessage('SIGTERM', base),
      'cancelled by SIGTERM: 2 of 10 files uploaded; 3 objects not deleted; no CDN invalidation; run the sync again to finish it',
    );
    assert.equal(
      cancelledMessage('SIGINT', {
        ...base,
        plannedPatches: 4,
        patched: 1,
        failed: 1,
        undone: { uploads: 7, patches: 3, deletes: 0 },
        cdnSkipped: false,
      }),
      'cancelled by SIGINT: 2 of 10 files uploaded, 1 of 4 metadata updates made, 1 file failed; run the sync again to finish it',
    );
    assert.equal(
      cancelledMessage('SIGTERM', {
        ...base,
        uploaded: 10,
        undone: { uploads: 0, patches: 0, deletes: 0 },
        cdnSkipped: false,
      }),
      'cancelled by SIGTERM: 10 of 10 files uploaded; the sync itself was complete',
    );
    assert.equal(
      cancelledMessage('SIGTERM', { ...base, dryRun: true }),
      'cancelled by SIGTERM during a dry run; nothing was changed',
    );
  });

  it('the CDN warning names the paths to invalidate by hand when only changed paths are invalidated', () => {
    assert.match(
      cdnSkippedMessage(['/a.js', '/b/*'], true),
      /will not invalidate them: once it has run, invalidate \/a\.js, \/b\/\*$/,
    );
    assert.match(cdnSkippedMessage(['/*'], false), /; the next whole sync invalidates \/\*$/);
  });

  it('the summary adds what was not uploaded, updated or deleted', () => {
    const text = formatSummary({ ...counts, cancelled: { uploads: 8, patches: 2, deletes: 3 } }, false);
    assert.match(
      text,
      /^uploaded: +2 files, 2\.0 KiB\nnot uploaded: +8 files \(the run was cancelled before they started\)\nunchanged:/,
    );
    assert.match(text, /^metadata updated: 1 file \(2 not updated: the run was cancelled\)$/m);
    assert.match(text, /^deleted: +0 objects \(3 not deleted: the run was cancelled\)$/m);
    assert.doesNotMatch(formatSummary(counts, false), /not uploaded|cancelled/);
  });

  it('the storage client retries nothing once the run is cancelled', () => {
    const stop = new AbortController();
    const retriable = storageOptions({ noRetryAfter: stop.signal }).retryOptions?.retryableErrorFn;
    assert.ok(retriable);
    const unavailable = Object.assign(new ApiError('Backend Error'), { code: 503 });
    const notFound = Object.assign(new ApiError('Not Found'), { code: 404 });
    assert.equal(retriable(unavailable), true);
    assert.equal(retriable(notFound), false);
    stop.abort();
    assert.equal(retriable(unavailable), false);
    // Without a signal: the library's own rule, plus a resumable upload to restart.
    const always = storageOptions({}).retryOptions?.retryableErrorFn;
    assert.ok(always);
    assert.equal(always(unavailable), true);
    assert.equal(always(notFound), false);
    const lost = new ApiError(
      'The offset is lower than the number of bytes written. The server has 0 bytes and while 5242880 bytes has been uploaded',
    );
    assert.equal(always(lost), true);
    assert.equal(retriable(lost), false, 'not once cancelled');
  });
});
