// What to undo, decided for every cluster before anything changes: for each workload its
// current revision and the revision to go back to (the previous one, a revision number, or
// the one a Drone build deployed). Any workload without that target fails the whole plan.

import { describeRevision, type Revision, workloadKey } from '../../common/kube/history.ts';
import type { ClusterTarget } from '../../common/kube/target.ts';
import type { KubeObject } from '../../common/kube/workloads.ts';
import { renderColumns } from '../../common/text-table.ts';

export type Target =
  | { kind: 'previous' }
  | { kind: 'revision'; revision: number }
  | { kind: 'build'; build: number };

export interface PlanEntry {
  cluster: ClusterTarget;
  workload: KubeObject;
  key: string;
  current: Revision | undefined;
  target: Revision | undefined;
  /** Why there is no target, when there is none. */
  missing?: string;
}

export function describeTarget(t: Target): string {
  if (t.kind === 'previous') return 'the previous revision';
  if (t.kind === 'revision') return `revision ${t.revision}`;
  return `build ${t.build}`;
}

export function pickTarget(
  revisions: readonly Revision[],
  t: Target,
): { current?: Revision; target?: Revision; missing?: string } {
  const current = revisions.at(-1);
  if (!current) return { missing: 'has no rollout history' };
  if (t.kind === 'previous') {
    const previous = revisions.at(-2);
    return previous ? { current, target: previous } : { current, missing: 'has no previous revision' };
  }
  if (t.kind === 'revision') {
    const r = revisions.find((x) => x.revision === t.revision);
    const have = revisions.map((x) => x.revision).join(', ');
    return r ? { current, target: r } : { current, missing: `has no revision ${t.revision} (has ${have})` };
  }
  const matches = revisions.filter((x) => x.build === t.build);
  const builds = [...new Set(revisions.map((x) => x.build).filter((b) => b !== undefined))]
    .sort((a, b) => (a as number) - (b as number))
    .join(', ');
  const last = matches.at(-1);
  return last
    ? { current, target: last }
    : { current, missing: `has no revision deployed by build ${t.build} (builds kept: ${builds || 'none'})` };
}

export function planFor(
  cluster: ClusterTarget,
  workloads: readonly KubeObject[],
  history: Map<string, Revision[]>,
  t: Target,
): PlanEntry[] {
  return workloads.map((w) => {
    const picked = pickTarget(history.get(w.metadata.uid ?? '') ?? [], t);
    return {
      cluster,
      workload: w,
      key: workloadKey(w),
      current: picked.current,
      target: picked.target,
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
      : e.target?.revision === e.current?.revision
        ? 'unchanged (already there)'
        : describeRevision(e.target);
    rows.push([e.cluster.id, e.key, describeRevision(e.current), after]);
  }
  return renderColumns(rows);
}
