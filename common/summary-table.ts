// The per-cluster result table that ends a gke-deploy or rollback log.

import type { ClusterResult, DeploySummary } from './summary.ts';
import { renderColumns } from './text-table.ts';

const RESULT_WORDS: Record<ClusterResult, string> = {
  deployed: 'deployed',
  rolled_back: 'rolled back',
  failed: 'FAILED',
  unchanged: 'unchanged',
  skipped: 'skipped',
  cancelled: 'CANCELLED',
  superseded: 'superseded',
};

/** A plain-text table: one line per cluster and workload. */
export function renderTable(summary: DeploySummary): string {
  const change = (before: number | undefined, after: number | undefined) =>
    after !== undefined && after !== before
      ? `${before ?? '-'} -> ${after}`
      : before !== undefined
        ? String(before)
        : '-';
  const rows: string[][] = [['cluster', 'result', 'workload', 'revision', 'build', 'detail']];
  for (const c of summary.clusters) {
    const ws = c.workloads.length > 0 ? c.workloads : [undefined];
    ws.forEach((w, i) => {
      rows.push([
        i === 0 ? c.id : '',
        i === 0 ? RESULT_WORDS[c.result] : '',
        w ? `${w.kind.toLowerCase()}/${w.name}` : '-',
        change(w?.revisionBefore, w?.revisionAfter),
        change(w?.buildBefore, w?.buildAfter),
        i === 0 ? (c.error ?? '') : '',
      ]);
    });
  }
  return renderColumns(rows);
}
