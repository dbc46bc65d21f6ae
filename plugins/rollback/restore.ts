// Puts every planned workload back, on every cluster at once, and waits for each cluster to
// be healthy; returns each cluster's outcome. Once cancelled, the undo commands already given
// stand, and health is waited for no longer than cancel_grace.
import { cancellation, graceAfter } from '../../common/cancel.ts';
import { errorMessage } from '../../common/errors.ts';
import type { Kubectl } from '../../common/kube/kubectl.ts';
import { undoRollout, waitForRollouts } from '../../common/kube/rollout.ts';
import type { ClusterTarget } from '../../common/kube/target.ts';
import type { WorkloadKind, WorkloadRef } from '../../common/kube/workloads.ts';
import type { Logger } from '../../common/log.ts';
import type { ClusterResult } from '../../common/summary.ts';
import type { PlanEntry } from './plan.ts';

export interface ClusterOutcome {
  result: ClusterResult;
  error?: string;
}

export interface RestoreContext {
  kubectl: Kubectl;
  log: Logger;
  deadline: number;
  pollMs: number;
  now: () => number;
  /** The run's signal: a cancel turns a failure into 'cancelled'. */
  signal: AbortSignal;
  cancelGraceMs: number;
}

/** The workload of a plan entry; the plan only lists kinds rollback works on. */
const refOf = (e: PlanEntry): WorkloadRef => ({
  kind: e.workload.kind as WorkloadKind,
  name: e.workload.metadata.name,
});

async function restoreCluster(
  t: ClusterTarget,
  mine: readonly PlanEntry[],
  c: RestoreContext,
  signal: AbortSignal,
): Promise<ClusterOutcome> {
  try {
    for (const e of mine) {
      await undoRollout(c.kubectl, t, refOf(e), e.restore?.revision);
      c.log.info(`[${t.id}] ${e.key} going back to revision ${e.restore?.revision}`);
    }
    const w = await waitForRollouts(c.kubectl, t, mine.map(refOf), c.log, {
      deadline: c.deadline,
      pollMs: c.pollMs,
      now: c.now,
      signal,
    });
    if (!w.ok) throw new Error(w.reason);
    return { result: mine.length > 0 ? 'rolled_back' : 'unchanged' };
  } catch (err) {
    const result = cancellation(c.signal) ? 'cancelled' : 'failed';
    return { result, error: errorMessage(err).split('\n')[0] as string };
  }
}

/** Undoes every entry whose revision changes; the outcome of each cluster, by id. */
export async function restoreAll(
  targets: readonly ClusterTarget[],
  entries: readonly PlanEntry[],
  c: RestoreContext,
): Promise<Map<string, ClusterOutcome>> {
  const signal = graceAfter(c.signal, c.cancelGraceMs);
  const outcomes = await Promise.all(
    targets.map((t) =>
      restoreCluster(
        t,
        entries.filter((e) => e.cluster === t && e.restore?.revision !== e.current?.revision),
        c,
        signal,
      ),
    ),
  );
  return new Map(targets.map((t, i) => [t.id, outcomes[i] as ClusterOutcome]));
}
