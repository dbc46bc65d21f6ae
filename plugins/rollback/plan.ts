// What to undo, decided for every cluster before anything changes: for each workload its
// current revision and the revision to put back (see restore-point.ts). Any workload without
// one fails the whole plan, so a half-done rollback can't happen.
import { throwIfCancelled } from '../../common/cancel.ts';
import { ClusterFailuresError, PluginError } from '../../common/errors.ts';
import { describeRevision, type Revision, readHistory } from '../../common/kube/history.ts';
import type { Kubectl } from '../../common/kube/kubectl.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../common/kube/provenance.ts';
import { settleAll } from '../../common/kube/settle.ts';
import type { ClusterTarget } from '../../common/kube/target.ts';
import {
  type KubeList,
  type KubeObject,
  refKey,
  type WorkloadRef,
  workloadKey,
} from '../../common/kube/workloads.ts';
import { renderColumns } from '../../common/text-table.ts';
import { describeRestorePoint, pickRevision, type RestorePoint } from './restore-point.ts';

export interface PlanEntry {
  cluster: ClusterTarget;
  workload: KubeObject;
  key: string;
  current: Revision | undefined;
  /** The revision this workload goes back to. */
  restore: Revision | undefined;
  /** Why there is no revision to go back to, when there is none. */
  missing?: string;
}

export function planFor(
  cluster: ClusterTarget,
  workloads: readonly KubeObject[],
  history: Map<string, Revision[]>,
  p: RestorePoint,
): PlanEntry[] {
  return workloads.map((w) => {
    const picked = pickRevision(history.get(w.metadata.uid ?? '') ?? [], p);
    return {
      cluster,
      workload: w,
      key: workloadKey(w),
      current: picked.current,
      restore: picked.restore,
      ...(picked.missing ? { missing: picked.missing } : {}),
    };
  });
}

/** A plain-text plan: one line per cluster and workload. */
export function renderPlan(entries: readonly PlanEntry[]): string {
  const rows = [['cluster', 'workload', 'now', 'after rollback']];
  for (const e of entries) {
    const after = e.missing
      ? `MISSING: ${e.missing}`
      : e.restore?.revision === e.current?.revision
        ? 'unchanged (already there)'
        : describeRevision(e.restore);
    rows.push([e.cluster.id, e.key, describeRevision(e.current), after]);
  }
  return renderColumns(rows);
}

/** The workloads to roll back on one cluster: those named, or every one gke-deploy manages. */
async function workloadsOn(
  kubectl: Kubectl,
  t: ClusterTarget,
  wanted: readonly WorkloadRef[] | undefined,
): Promise<KubeObject[]> {
  const kinds = 'deployments,statefulsets,daemonsets';
  const args = wanted ? ['get', kinds] : ['get', kinds, '-l', `${MANAGED_BY_LABEL}=${MANAGED_BY}`];
  const list = await kubectl.json<KubeList>(t, args, { namespace: t.namespace });
  if (!wanted) return list.items;
  return wanted.map((w) => {
    const o = list.items.find((x) => x.kind === w.kind && x.metadata.name === w.name);
    if (!o) throw new Error(`${refKey(w)} does not exist in namespace ${t.namespace}`);
    return o;
  });
}

async function planCluster(
  kubectl: Kubectl,
  t: ClusterTarget,
  wanted: readonly WorkloadRef[] | undefined,
  p: RestorePoint,
): Promise<PlanEntry[]> {
  const [workloads, history] = await Promise.all([workloadsOn(kubectl, t, wanted), readHistory(kubectl, t)]);
  if (workloads.length === 0)
    throw new Error(
      `no workloads managed by gke-deploy in namespace ${t.namespace}; name them in "deployments"`,
    );
  return planFor(t, workloads, history, p);
}

/**
 * The plan for every cluster, printed; throws, with nothing changed, when a cluster could
 * not be planned, when the run is cancelled, or when a workload lacks the restore point.
 */
export async function planRollback(
  kubectl: Kubectl,
  targets: readonly ClusterTarget[],
  wanted: readonly WorkloadRef[] | undefined,
  p: RestorePoint,
  deps: { signal: AbortSignal; log: { info(line: string): void } },
): Promise<PlanEntry[]> {
  let planned: PlanEntry[][];
  try {
    planned = await settleAll(
      targets,
      (t) => t.id,
      (t) => planCluster(kubectl, t, wanted, p),
      {
        firstLine: true,
      },
    );
  } catch (err) {
    throwIfCancelled(deps.signal, 'while planning; nothing was changed');
    if (!(err instanceof ClusterFailuresError)) throw err;
    throw new PluginError(err.describe('could not plan the rollback', '; nothing was changed'));
  }
  throwIfCancelled(deps.signal, 'while planning; nothing was changed');
  const entries = planned.flat();
  deps.log.info(renderPlan(entries));
  const missing = entries.filter((e) => e.missing);
  if (missing.length > 0) {
    throw new PluginError(
      `${describeRestorePoint(p)} is missing for ${missing.length} workload(s); nothing was changed:\n${missing.map((e) => `  - ${e.cluster.id} ${e.key} ${e.missing}`).join('\n')}\nPick a target every cluster has: see the plan above (to_revision or to_build).`,
    );
  }
  return entries;
}
