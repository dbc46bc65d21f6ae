// The end of a run: the summary file that slack-notify reads, the per-cluster table, and the
// one command that undoes the deploy.

import { CancelledError, type StopSignal } from '../../common/cancel.ts';
import type { BuildContext } from '../../common/ci.ts';
import { PluginError } from '../../common/errors.ts';
import { buildFields, clusterSummary, reportSummary, summaryOf } from '../../common/kube/summary.ts';
import type { ClusterTarget } from '../../common/kube/target.ts';
import { refKey, type WorkloadRef } from '../../common/kube/workloads.ts';
import type { Logger } from '../../common/log.ts';
import type { ClusterResult, DeploySummary, WorkloadSummary } from '../../common/summary.ts';
import type { CheckResult } from './analysis/loop.ts';
import { analysisMessage, analysisSummary, renderAnalysisTable } from './analysis/report.ts';
import type { Before } from './cluster-ops.ts';

/** The image the rollback plugin ships as (see Dockerfile.deploy). */
export const ROLLBACK_IMAGE = 'drone-gke-plugins/rollback';

/** What the run will do on one cluster, fixed at preflight: the workloads and their state before. */
export interface ClusterPlan {
  target: ClusterTarget;
  refs: readonly WorkloadRef[];
  before: ReadonlyMap<string, Before>;
}

/** How one cluster ended. */
export interface ClusterOutcome {
  result: ClusterResult;
  /** Whether this run applied anything to it (it then has something to roll back). */
  applied: boolean;
  error?: string;
}

/** A cluster's plan with its outcome, as the summary and the log report it. */
export type ClusterRun = ClusterPlan & ClusterOutcome;

/** Each plan beside its outcome (outcomes in the order of the plans). */
export function runsOf(plans: readonly ClusterPlan[], outcomes: readonly ClusterOutcome[]): ClusterRun[] {
  return plans.map((p, i) => ({ ...p, ...(outcomes[i] as ClusterOutcome) }));
}

interface SummaryInput {
  started: number;
  finished: number;
  ctx: BuildContext;
  /** The images each workload gets from the rendered manifests (key: deployment/web). */
  images: ReadonlyMap<string, string[]>;
  targets: readonly ClusterTarget[];
  runs: readonly ClusterRun[];
  result: DeploySummary['result'];
  /** The metrics checks run, if any. */
  analysis?: readonly CheckResult[];
}

/** A word that a POSIX shell reads back unchanged: single-quoted when it has to be. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** A cluster's way in as rollback settings (a proxy's credentials are not in the summary: add them). */
function accessSettings(t: ClusterTarget): Record<string, string | boolean> {
  const a = t.access;
  if (!a) return {};
  return {
    ...(a.mode !== 'public' ? { [a.mode]: true } : {}),
    ...(a.membership ? { membership: a.membership } : {}),
    ...(a.proxy ? { proxy_url: a.proxy } : {}),
  };
}

/**
 * A command anyone can paste to put the clusters back to the build before this one, the
 * way the deploy reached them. When the clusters share a namespace and a project and were
 * reached through their public endpoints, they are the plain settings; otherwise each
 * cluster is a JSON object with its own (its way in too), so that the rollback looks where
 * the deploy went and goes there the same way.
 */
export function rollbackCommand(
  targets: readonly ClusterTarget[],
  toBuild: number | undefined,
): string | undefined {
  const gke = targets.filter((t) => t.location);
  if (gke.length === 0 || gke.length !== targets.length) return undefined;
  const shared = (values: (string | undefined)[]) => (new Set(values).size === 1 ? values[0] : undefined);
  const namespace = shared(gke.map((t) => t.namespace));
  const project = shared(gke.map((t) => t.project));
  const plain = gke.every((t) => Object.keys(accessSettings(t)).length === 0);
  const settings: [string, string | undefined][] =
    plain && namespace !== undefined && project !== undefined
      ? [
          ['PLUGIN_CLUSTERS', gke.map((t) => `${t.location}/${t.name}`).join(',')],
          ['PLUGIN_NAMESPACE', namespace],
          ['PLUGIN_PROJECT', project],
        ]
      : [
          [
            'PLUGIN_CLUSTERS',
            JSON.stringify(
              gke.map((t) => ({
                name: t.name,
                location: t.location,
                project: t.project,
                namespace: t.namespace,
                ...accessSettings(t),
              })),
            ),
          ],
        ];
  if (toBuild !== undefined) settings.push(['PLUGIN_TO_BUILD', String(toBuild)]);
  const env = settings.flatMap(([k, v]) => (v === undefined ? [] : [`-e ${k}=${shellQuote(v)}`]));
  return `docker run --rm ${[...env, '-e TOKEN="$(cat key.json)"'].join(' ')} ${ROLLBACK_IMAGE}`;
}

/** A workload's row: before from the snapshot, after from the manifests when deployed. */
function workloadRow(r: ClusterRun, ref: WorkloadRef, input: SummaryInput): WorkloadSummary {
  const b = r.before.get(refKey(ref));
  const deployed = r.result === 'deployed';
  return {
    kind: ref.kind,
    name: ref.name,
    imagesBefore: b?.images ?? [],
    imagesAfter: deployed ? (input.images.get(refKey(ref)) ?? []) : (b?.images ?? []),
    ...(b?.revision !== undefined ? { revisionBefore: b.revision } : {}),
    ...(b?.build !== undefined ? { buildBefore: b.build } : {}),
    ...(deployed && input.ctx.build.number !== undefined ? { buildAfter: input.ctx.build.number } : {}),
  };
}

export function buildSummary(input: SummaryInput): DeploySummary {
  const clusters = input.runs.map((r) =>
    clusterSummary(
      r.target,
      r.result,
      r.refs.map((ref) => workloadRow(r, ref, input)),
      r.error,
    ),
  );
  const previousBuilds = new Set(clusters.flatMap((c) => c.workloads.map((w) => w.buildBefore)));
  const previous = previousBuilds.size === 1 ? [...previousBuilds][0] : undefined;
  // After a good deploy: back to the build before. After a cancel whose rollback was not
  // confirmed: the same command without a build finishes it (it repairs the deploy record).
  const unfinished = input.result === 'cancelled' && input.runs.some((r) => r.result === 'cancelled');
  const command =
    input.result === 'deployed'
      ? rollbackCommand(input.targets, previous)
      : unfinished
        ? rollbackCommand(input.targets, undefined)
        : undefined;
  return summaryOf(
    {
      plugin: 'gke-deploy',
      result: input.result,
      started: input.started,
      finished: input.finished,
      build: buildFields(input.ctx),
    },
    clusters,
    [...input.images.values()].flat(),
    {
      ...(command ? { rollbackCommand: command } : {}),
      ...analysisMessage(input.result, input.analysis ?? []),
      ...analysisSummary(input.analysis ?? []),
    },
  );
}

/** The end of the log: the table, one line of outcome, the way back; throws when the deploy failed. */
export function reportResult(
  summary: DeploySummary,
  runs: readonly ClusterRun[],
  log: Logger,
  elapsedMs: number,
  cancelledBy?: StopSignal,
): void {
  const outcome = {
    deployed: 'deployed',
    rolled_back: 'deploy failed and was rolled back',
    failed: 'deploy failed',
    dry_run: 'dry run',
    cancelled: 'deploy cancelled',
    superseded: 'deploy superseded by another deploy',
  }[summary.result];
  if (summary.analysis) {
    log.section('Analysis');
    log.info(renderAnalysisTable(summary.analysis));
  }
  reportSummary(log, summary, outcome, elapsedMs);
  if (summary.message) log.info(summary.message);
  if (summary.rollbackCommand) {
    const what = summary.result === 'cancelled' ? 'to finish the rollback by hand' : 'to roll back by hand';
    log.info(`${what}: ${summary.rollbackCommand}`);
  }
  if (summary.result === 'deployed') return;
  const why = runs
    .filter((r) => r.error)
    .map((r) => `${r.target.id}: ${r.error}`)
    .join('; ');
  if (summary.result === 'cancelled') {
    throw new CancelledError(
      cancelledBy ?? 'SIGTERM',
      `cancelled by ${cancelledBy ?? 'a signal'}: ${cancelOutcome(runs)}${why ? ` (${why})` : ''}`,
    );
  }
  if (summary.result === 'superseded') {
    throw new PluginError(
      `another deploy replaced this run's workloads; nothing of it was rolled back: ${why}`,
    );
  }
  const head =
    summary.result === 'rolled_back'
      ? 'the deploy failed and every changed cluster was rolled back'
      : 'the deploy failed';
  throw new PluginError(`${head}: ${why}`);
}

/** What a cancelled run leaves, in one sentence. */
function cancelOutcome(runs: readonly ClusterRun[]): string {
  const changed = runs.filter((r) => r.applied);
  if (changed.length === 0) return 'nothing was applied';
  const unconfirmed = changed.filter((r) => r.result === 'cancelled' || r.result === 'failed');
  if (unconfirmed.length === 0)
    return `every changed cluster (${changed.length}) was rolled back and is healthy`;
  return `the rollback of ${unconfirmed.map((r) => r.target.id).join(', ')} was started but not confirmed healthy; the deploy record left on each lets the next gke-deploy or rollback finish it`;
}
