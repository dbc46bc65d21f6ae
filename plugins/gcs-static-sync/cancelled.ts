// What a cancelled sync (SIGTERM, SIGINT) says. Uploads and patches that had started when the
// signal came finish (without further retries), none is started after it, and nothing is
// deleted: a delete must follow a whole sync. The CDN is not invalidated for a half sync, and
// the paths a person must invalidate later are printed, because the next sync will find the
// files this run uploaded unchanged and will not invalidate them. The plugin's last line says
// what was done and what was not.
import type { StopSignal } from '../../common/cancel.ts';

/** Planned writes that a cancelled run did not start. */
export interface LeftUndone {
  uploads: number;
  patches: number;
  deletes: number;
}

export const nothingLeft = (u: LeftUndone): boolean => u.uploads + u.patches + u.deletes === 0;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The warning in place of the CDN invalidation of a half sync, with the paths it would have sent. */
export function cdnSkippedMessage(paths: readonly string[], changedOnly: boolean): string {
  const why =
    'no CDN invalidation: the run was cancelled half way, and the CDN would fetch a site half old, half new';
  if (!changedOnly) return `${why}; the next whole sync invalidates ${paths.join(', ')}`;
  return (
    `${why}. The next sync will find the files this run wrote unchanged and will not invalidate them: ` +
    `once it has run, invalidate ${paths.join(', ')}`
  );
}

/** The message of the run's CancelledError (the entry prints it after the plugin's name). */
export function cancelledMessage(
  signal: StopSignal,
  r: {
    dryRun: boolean;
    uploaded: number;
    plannedUploads: number;
    patched: number;
    plannedPatches: number;
    failed: number;
    undone: LeftUndone;
    cdnSkipped: boolean;
  },
): string {
  if (r.dryRun) return `cancelled by ${signal} during a dry run; nothing was changed`;
  const done = [`${r.uploaded} of ${plural(r.plannedUploads, 'file')} uploaded`];
  if (r.plannedPatches > 0) done.push(`${r.patched} of ${r.plannedPatches} metadata updates made`);
  if (r.failed > 0) done.push(`${plural(r.failed, 'file')} failed`);
  const notes: string[] = [];
  if (r.undone.deletes > 0) notes.push(`${plural(r.undone.deletes, 'object')} not deleted`);
  if (r.cdnSkipped) notes.push('no CDN invalidation');
  if (nothingLeft(r.undone)) notes.push('the sync itself was complete');
  else notes.push('run the sync again to finish it');
  return `cancelled by ${signal}: ${done.join(', ')}; ${notes.join('; ')}`;
}
