// The analysis phase of a rollout: once a batch of clusters has rolled out, every check on
// each of them, side by side. A failed check makes its cluster's outcome a failure, which the
// rollout's rollback path then handles; a cancel leaves the outcomes to the cancel path.
// The first failed check stops every other check of the batch: the clusters go back anyway,
// so measuring on would only delay the rollback (those checks end as `stopped`).
// Returns the new outcomes and the results; changes nothing in place.
import type { ClusterOutcome, ClusterPlan } from '../report.ts';
import { analyzeCluster, type ClusterAnalysis } from './analyze.ts';
import type { AnalysisDeps, CheckResult } from './loop.ts';
import type { AnalysisSettings } from './settings.ts';

export interface Analysis {
  settings: AnalysisSettings;
  deps: AnalysisDeps;
  /** Each cluster's variables and endpoint, by cluster id (see clusterAnalyses). */
  clusters: ReadonlyMap<string, ClusterAnalysis>;
}

export interface Analysed {
  outcomes: ClusterOutcome[];
  results: CheckResult[];
}

/** How a failed check reads in a cluster's error: `analysis: error-rate on asia-northeast1/web: value 0.12 > max 0.05`. */
export function failedCheckText(r: CheckResult): string {
  return `analysis: ${r.name} on ${r.cluster}: ${r.breach ?? 'failed'}`;
}

/** Analyses every cluster of the batch that rolled out; `plans` and `outcomes` in the same order. */
export async function analyseBatch(
  plans: readonly ClusterPlan[],
  outcomes: ClusterOutcome[],
  a: Analysis | undefined,
): Promise<Analysed> {
  const targets = plans.map((p, i) =>
    outcomes[i]?.result === 'deployed' ? a?.clusters.get(p.target.id) : undefined,
  );
  if (!a || targets.every((t) => t === undefined)) return { outcomes, results: [] };
  const ids = targets.flatMap((t) => (t ? [t.cluster] : []));
  a.deps.log.info(`analysis of ${ids.join(', ')}: ${a.settings.checks.length} check(s)`);
  const stop = new AbortController();
  const deps = { ...a.deps, signal: AbortSignal.any([a.deps.signal, stop.signal]) };
  const onFailed = () => stop.abort();
  const ended = await Promise.all(
    targets.map((t) => (t ? analyzeCluster(t, a.settings, deps, onFailed) : Promise.resolve([]))),
  );
  // Ended by the stop, not by a cancel of the run: say so.
  const stopped = stop.signal.aborted && !a.deps.signal.aborted;
  const perCluster = ended.map((rs) =>
    rs.map((r): CheckResult => (stopped && r.verdict === 'cancelled' ? { ...r, verdict: 'stopped' } : r)),
  );
  const next = outcomes.map((o, i): ClusterOutcome => {
    const failed = perCluster[i]?.find((r) => r.verdict === 'failed');
    return failed ? { ...o, result: 'failed', error: failedCheckText(failed) } : o;
  });
  return { outcomes: next, results: perCluster.flat() };
}
