// The final summary of a sync, and the byte and rate formats of the progress lines.
import { formatDuration } from '../../common/duration.ts';

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
