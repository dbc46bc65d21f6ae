// The analysis in the run's result: each check's values in the summary file (for
// slack-notify), the sentence that says which check failed where, and a table for the log.
import type { AnalysisSummary, DeploySummary } from '../../../common/summary.ts';
import { renderColumns } from '../../../common/text-table.ts';
import { formatValue } from './judge.ts';
import type { CheckResult } from './loop.ts';
import { failedCheckText } from './phase.ts';

/** The summary file's `analysis` entries (absent when nothing was analysed). */
export function analysisSummary(results: readonly CheckResult[]): Pick<DeploySummary, 'analysis'> {
  if (results.length === 0) return {};
  const analysis = results.map(
    (r): AnalysisSummary => ({
      check: r.name,
      cluster: r.cluster,
      query: r.query,
      values: [...r.values],
      verdict: r.verdict,
      ...(r.breach !== undefined ? { breach: r.breach } : {}),
    }),
  );
  return { analysis };
}

/** `rolled back (analysis: error-rate on asia-northeast1/web: value 0.12 > max 0.05)`, when a check failed. */
export function analysisMessage(
  result: DeploySummary['result'],
  results: readonly CheckResult[],
): Pick<DeploySummary, 'message'> {
  const failed = results.find((r) => r.verdict === 'failed');
  if (!failed || (result !== 'rolled_back' && result !== 'failed')) return {};
  return { message: `${result === 'rolled_back' ? 'rolled back' : 'failed'} (${failedCheckText(failed)})` };
}

/** One line per check and cluster: its values and how it ended. */
export function renderAnalysisTable(analysis: readonly AnalysisSummary[]): string {
  const rows = [['check', 'cluster', 'values', 'result']];
  for (const a of analysis) {
    const values = a.values.map((v) => (v === null ? 'no data' : formatValue(v))).join(', ');
    const result =
      a.verdict === 'failed'
        ? `FAILED: ${a.breach ?? ''}`
        : a.verdict === 'stopped'
          ? 'stopped: another check failed'
          : a.verdict;
    rows.push([a.check, a.cluster, values || '-', result]);
  }
  return renderColumns(rows);
}
