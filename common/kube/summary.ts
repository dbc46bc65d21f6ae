// What gke-deploy and rollback share at the end of a run: the summary's envelope (who, when,
// which build), each cluster's row, the `summary_file` setting's check, and the log's
// closing table. Each plugin builds its own workloads' rows (before/after mean different
// things to them) and hands them here.
import type { BuildContext } from '../ci.ts';
import { formatDuration } from '../duration.ts';
import type { SettingIssue } from '../errors.ts';
import type { Logger } from '../log.ts';
import {
  type ClusterResult,
  type ClusterSummary,
  type DeploySummary,
  SUMMARY_VERSION,
  summaryFolderProblem,
  type WorkloadSummary,
} from '../summary.ts';
import { renderTable } from '../summary-table.ts';
import { type ClusterTarget, targetFields } from './target.ts';

export interface SummaryEnvelope {
  plugin: DeploySummary['plugin'];
  result: DeploySummary['result'];
  started: number;
  finished: number;
  /** What the summary says about the build (default: from the Drone context, see buildFields). */
  build: DeploySummary['build'];
}

/** The build as a summary names it: number, commit, link and deploy target where known. */
export function buildFields(ctx: BuildContext): DeploySummary['build'] {
  return {
    ...(ctx.build.number !== undefined ? { number: ctx.build.number } : {}),
    ...(ctx.commit.sha ? { commit: ctx.commit.sha } : {}),
    ...(ctx.build.link ? { link: ctx.build.link } : {}),
    ...(ctx.deploy.to ? { deployTo: ctx.deploy.to } : {}),
  };
}

/** A whole summary: the envelope, the clusters' rows, and what the plugin adds. */
export function summaryOf(
  e: SummaryEnvelope,
  clusters: ClusterSummary[],
  images: readonly string[],
  extra: Pick<DeploySummary, 'rollbackCommand' | 'message' | 'analysis'> = {},
): DeploySummary {
  return {
    version: SUMMARY_VERSION,
    plugin: e.plugin,
    result: e.result,
    startedAt: new Date(e.started).toISOString(),
    finishedAt: new Date(e.finished).toISOString(),
    build: e.build,
    images: [...new Set(images)],
    clusters,
    ...extra,
  };
}

/** One cluster's row in a summary. */
export function clusterSummary(
  t: ClusterTarget,
  result: ClusterResult,
  workloads: WorkloadSummary[],
  error?: string,
): ClusterSummary {
  return { ...targetFields(t), result, ...(error ? { error } : {}), workloads };
}

/** The `summary_file` setting's problem, checked with the other settings (its folder must exist). */
export function summaryFileIssues(
  workspace: string,
  file: string | undefined,
  source: (setting: string) => string,
): SettingIssue[] {
  const problem = file !== undefined && summaryFolderProblem(workspace, file);
  return problem ? [{ setting: 'summary_file', variable: source('summary_file'), problem }] : [];
}

/** Ends the log: the summary's table and one line of outcome. */
export function reportSummary(log: Logger, summary: DeploySummary, outcome: string, elapsedMs: number): void {
  log.section('Result');
  log.info(renderTable(summary));
  log.info(`${outcome} in ${formatDuration(elapsedMs)}`);
}
