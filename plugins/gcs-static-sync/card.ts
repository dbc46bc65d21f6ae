// The card phase: what a sync did, as Drone's UI shows it beside the step (common/card.ts has
// the format; docs/cards/gcs-static-sync.json is the template). Written for every sync that
// got as far as its summary — a failed or cancelled one too — before the summary decides the
// exit code; a problem writing it is a warning, never the run's outcome.
import { CARD_SCHEMA_BASE, type Card, writeCard, writeToStream } from '../../common/card.ts';
import { errorMessage } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import type { Env } from '../../common/settings.ts';
import { countsOf, formatBytes, type Outcome } from './summary.ts';

export type SyncResult = 'synced' | 'dry_run' | 'failed' | 'cancelled';

export function syncResult(o: Outcome): SyncResult {
  if (o.cancelled) return 'cancelled';
  if (o.written.failures.length > 0 || o.cdn.error) return 'failed';
  return o.dryRun ? 'dry_run' : 'synced';
}

/** The card of one sync to `where` (gs://bucket/prefix). */
export function syncCard(o: Outcome, where: string): Card {
  const c = countsOf(o);
  const result = syncResult(o);
  return {
    schema: `${CARD_SCHEMA_BASE}/gcs-static-sync.json`,
    data: {
      plugin: 'gcs-static-sync',
      result,
      ok: result === 'synced' || result === 'dry_run',
      target: where,
      uploaded: c.uploaded,
      uploadedSize: formatBytes(c.uploadedBytes),
      unchanged: c.unchanged,
      patched: c.patched,
      deleted: c.deleted,
      failed: c.failed,
      failedFiles: o.written.failures.slice(0, 10).map((f) => ({ path: f.path })),
      ...(o.cdn.error ? { cdn: `invalidation failed: ${errorMessage(o.cdn.error)}` } : {}),
      ...(o.cdn.skipped ? { cdn: 'invalidation skipped: the run was cancelled' } : {}),
      seconds: Math.round(c.elapsedMs / 1000),
    },
  };
}

export function publishSyncCard(
  env: Env,
  card: Card,
  log: Logger,
  stream: (path: string, text: string) => void = writeToStream,
): void {
  try {
    const path = writeCard(env, card, { masker: log.masker, stream });
    if (path) log.debug(`card written to ${path}`);
  } catch (err) {
    log.warn(`could not write the card: ${errorMessage(err)}`);
  }
}
