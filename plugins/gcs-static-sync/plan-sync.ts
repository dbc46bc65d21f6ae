// The third phase: the plan from the survey, and the one refusal no plan may pass: a source
// with no files at all would delete everything under the prefix.
import { PluginError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { createIgnoreMatcher, isIgnoredPath } from './ignore.ts';
import { computeSyncPlan, type SyncPlan } from './plan.ts';
import type { Settings } from './settings.ts';
import { formatBytes } from './summary.ts';
import type { Survey } from './survey.ts';
import { showTarget } from './target.ts';

export function planSync(settings: Settings, source: Survey, now: number): SyncPlan {
  const ignoreMatcher = createIgnoreMatcher(settings.ignore);
  const plan = computeSyncPlan(source.files, source.remote, {
    prefix: settings.target.prefix,
    delete: settings.delete,
    deleteOlderThanMs: settings.deleteOlderThanMs,
    now,
    ignored: (p) => isIgnoredPath(ignoreMatcher, p),
    unreadable: source.unreadable,
  });
  if (source.files.length === 0 && source.failures.length === 0 && plan.deletes.length > 0) {
    throw new PluginError(
      `source folder "${settings.source}" holds no files: refusing to delete all ${plan.deletes.length} objects under ${showTarget(settings.target)} (did the build write the files?); nothing was changed`,
    );
  }
  return plan;
}

/** The plan, a line per change (a dry run's output). */
export function printPlan(plan: SyncPlan, log: Logger): void {
  log.section('plan (dry run)');
  for (const u of plan.uploads)
    log.info(
      `upload ${u.file.path} (${u.reason}, ${formatBytes(u.file.hash.size)}${u.file.attrs.gzip ? ', gzip' : ''})`,
    );
  for (const p of plan.patches) log.info(`update ${p.file.path} (${p.changes.join(', ')})`);
  for (const d of plan.deletes) log.info(`delete ${d.name}`);
  for (const k of plan.kept) log.info(`keep ${k.name} (updated recently)`);
}
