// The last phase: the summary of a sync, then the run's outcome (a cancellation, failed
// files, a failed CDN invalidation); and the byte and rate formats of the progress lines.
import { CancelledError } from '../../common/cancel.ts';
import { formatDuration } from '../../common/duration.ts';
import { errorMessage, PluginError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { cancelledMessage } from './cancelled.ts';
import type { Invalidation } from './invalidate.ts';
import type { SyncPlan } from './plan.ts';
import type { WriteResult } from './transfer.ts';

export interface SyncCounts {
  uploaded: number;
  uploadedBytes: number;
  /** Bytes stored after gzip. */
  sentBytes: number;
  unchanged: number;
  patched: number;
  deleted: number;
  /** Gone from the source but kept: updated within delete_older_than. */
  kept: number;
  /** Gone from the source and left alone: delete is off, or a failure blocked deletes. */
  extra: number;
  failed: number;
  ignored: number;
  elapsedMs: number;
  /** What a cancelled run (SIGTERM, SIGINT) left undone; set only when it was cancelled. */
  cancelled?: { uploads: number; patches: number; deletes: number } | undefined;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatRate(bytes: number, ms: number): string {
  if (ms <= 0) return `${formatBytes(bytes)}/s`;
  return `${formatBytes(Math.round((bytes * 1000) / ms))}/s`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function formatSummary(c: SyncCounts, dryRun: boolean): string {
  const secs = Math.max(c.elapsedMs, 1) / 1000;
  const gz = c.sentBytes !== c.uploadedBytes ? ` (${formatBytes(c.sentBytes)} stored)` : '';
  const notes = [
    c.kept > 0 ? `${c.kept} kept: updated recently` : '',
    c.extra > 0 ? `${c.extra} not in source, not deleted` : '',
    c.cancelled?.deletes ? `${c.cancelled.deletes} not deleted: the run was cancelled` : '',
  ].filter((n) => n !== '');
  const notPatched = c.cancelled?.patches
    ? ` (${c.cancelled.patches} not updated: the run was cancelled)`
    : '';
  const rows: [string, string][] = [
    [
      dryRun ? 'to upload' : 'uploaded',
      `${plural(c.uploaded, 'file')}, ${formatBytes(c.uploadedBytes)}${gz}`,
    ],
    ['unchanged', plural(c.unchanged, 'file')],
    [dryRun ? 'to update metadata' : 'metadata updated', `${plural(c.patched, 'file')}${notPatched}`],
    [
      dryRun ? 'to delete' : 'deleted',
      `${plural(c.deleted, 'object')}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`,
    ],
    ['failed', plural(c.failed, 'file')],
    ['ignored', plural(c.ignored, 'path')],
    [
      'elapsed',
      `${formatDuration(c.elapsedMs)}, ${formatRate(c.sentBytes, c.elapsedMs)}, ${(c.uploaded / secs).toFixed(1)} files/s`,
    ],
  ];
  if (c.cancelled)
    rows.splice(1, 0, [
      'not uploaded',
      `${plural(c.cancelled.uploads, 'file')} (the run was cancelled before they started)`,
    ]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`).join('\n');
}

export interface Outcome {
  dryRun: boolean;
  plan: SyncPlan;
  ignored: number;
  written: WriteResult;
  cdn: Invalidation;
  /** Set when the run was cancelled before the CDN phase. */
  cancelled: CancelledError | undefined;
  elapsedMs: number;
}

/** The counts of a sync, as the summary and the card show them. */
export function countsOf(o: Outcome): SyncCounts {
  const { written: w, plan } = o;
  const counts: SyncCounts = {
    uploaded: w.uploaded,
    uploadedBytes: w.uploadedBytes,
    sentBytes: w.sentBytes,
    unchanged: plan.unchanged,
    patched: w.patched,
    deleted: w.deleted,
    kept: plan.kept.length,
    extra: plan.extra + w.blocked,
    failed: w.failures.length,
    ignored: o.ignored,
    elapsedMs: o.elapsedMs,
  };
  if (o.cancelled && !o.dryRun) counts.cancelled = w.undone;
  return counts;
}

/** Prints the summary; throws when the run was cancelled, a file failed or the CDN failed. */
export function summarise(o: Outcome, log: Logger): void {
  const { written: w, plan, cancelled } = o;
  const counts = countsOf(o);
  log.section(o.dryRun ? 'summary (dry run)' : 'summary');
  log.info(formatSummary(counts, o.dryRun));
  const cdnError = o.cdn.error;
  const cdn = cdnError ? `; ${errorMessage(cdnError)}` : '';
  if (cancelled) {
    const message = cancelledMessage(cancelled.signal, {
      dryRun: o.dryRun,
      uploaded: w.uploaded,
      plannedUploads: plan.uploads.length,
      patched: w.patched,
      plannedPatches: plan.patches.length,
      failed: w.failures.length,
      undone: w.undone,
      cdnSkipped: o.cdn.skipped,
    });
    throw new CancelledError(cancelled.signal, `${message}${cdn}`);
  }
  if (w.failures.length > 0) throw new PluginError(`${failedFiles(w.failures)}; see the lines above${cdn}`);
  if (cdnError) throw new PluginError(errorMessage(cdnError), { cause: cdnError });
}

/** "3 files failed (a, b, c, and 1 more)": sorted, as uploads finish in any order. */
function failedFiles(failures: readonly { path: string }[]): string {
  const first = failures
    .map((f) => f.path)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, 3)
    .join(', ');
  const more = failures.length > 3 ? `, and ${failures.length - 3} more` : '';
  return `${failures.length} files failed (${first}${more})`;
}
