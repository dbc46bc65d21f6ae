// The end of a rollback: the summary file that slack-notify reads (the same format as
// gke-deploy's), the per-cluster table, and an error that says what is left to do.
import { CancelledError, type StopSignal } from '../../common/cancel.ts';
import { PluginError } from '../../common/errors.ts';
import { clusterSummary, reportSummary, type SummaryEnvelope, summaryOf } from '../../common/kube/summary.ts';
import type { Logger } from '../../common/log.ts';
import { type DeploySummary, writeSummary } from '../../common/summary.ts';
import type { PlanEntry } from './plan.ts';
import type { ClusterOutcome } from './restore.ts';

/** The summary of a planned rollback: each cluster's outcome (unchanged where there is none). */
export function summarize(
  envelope: SummaryEnvelope,
  entries: readonly PlanEntry[],
  outcomes: ReadonlyMap<string, ClusterOutcome>,
): DeploySummary {
  const clusters = [...new Set(entries.map((e) => e.cluster))].map((t) => {
    const o = outcomes.get(t.id);
    const workloads = entries
      .filter((e) => e.cluster === t)
      .map((e) => ({
        kind: e.workload.kind,
        name: e.workload.metadata.name,
        imagesBefore: e.current?.images ?? [],
        imagesAfter: e.restore?.images ?? [],
        ...(e.current ? { revisionBefore: e.current.revision } : {}),
        ...(e.restore ? { revisionAfter: e.restore.revision } : {}),
        ...(e.current?.build !== undefined ? { buildBefore: e.current.build } : {}),
        ...(e.restore?.build !== undefined ? { buildAfter: e.restore.build } : {}),
      }));
    return clusterSummary(t, o?.result ?? 'unchanged', workloads, o?.error);
  });
  return summaryOf(
    envelope,
    clusters,
    entries.flatMap((e) => e.restore?.images ?? []),
  );
}

export interface RollbackEnd {
  summaryFile: string;
  log: Logger;
  elapsedMs: number;
  /** The namespace to look at when a cluster did not come back healthy. */
  namespace: string | undefined;
  cancelledBy: StopSignal | undefined;
}

/** Writes the summary and ends the log; throws when a cluster did not come back or the run was cancelled. */
export function reportRollback(
  summary: DeploySummary,
  outcomes: ReadonlyMap<string, ClusterOutcome>,
  end: RollbackEnd,
): void {
  const failed = [...outcomes.values()].some((o) => o.result === 'failed' || o.result === 'cancelled');
  writeSummary(end.summaryFile, summary);
  reportSummary(end.log, summary, failed ? 'rollback failed' : 'rolled back', end.elapsedMs);
  if (end.cancelledBy) {
    const between = [...outcomes].filter(([, o]) => o.result === 'cancelled').map(([id]) => id);
    throw new CancelledError(
      end.cancelledBy,
      between.length > 0
        ? `cancelled by ${end.cancelledBy}: ${between.join(', ')} may be between two revisions (the rollback was started, not confirmed healthy within cancel_grace); run rollback again to finish it`
        : `cancelled by ${end.cancelledBy} after every cluster was back and healthy`,
    );
  }
  if (failed) {
    const why = [...outcomes]
      .filter(([, o]) => o.error)
      .map(([id, o]) => `${id}: ${o.error}`)
      .join('; ');
    throw new PluginError(
      `the rollback did not bring every cluster back healthy: ${why}. Look at the pods (kubectl get pods -n ${end.namespace}) and run rollback again, or pick another to_build`,
    );
  }
}
