// One check on one cluster: wait the delay, then `count` measurements `interval` apart. A
// measurement that breaches adds a failure; more than failure_limit fails the check at
// once. With on_no_data retry a measurement without data does not count and is tried
// again next interval, until analysis_timeout. The run's AbortSignal ends it at once.
import type { Logger } from '../../../common/log.ts';
import { assess, type Step } from './judge.ts';
import { type MeasureDeps, measure, type PromEndpoint } from './prometheus.ts';
import type { AnalysisCheck } from './settings.ts';

export interface AnalysisDeps extends MeasureDeps {
  log: Logger;
}

/** `stopped`: ended early because another check of the same batch failed (phase.ts). */
export type Verdict = 'passed' | 'failed' | 'cancelled' | 'stopped';

export interface CheckResult {
  name: string;
  /** The cluster's id, e.g. asia-northeast1/web. */
  cluster: string;
  /** The query as sent, its variables filled in. */
  query: string;
  /** One per counted measurement; null where there was no data (or no number). */
  values: (number | null)[];
  verdict: Verdict;
  /** Why it failed, e.g. `value 0.12 > max 0.05`. */
  breach?: string;
}

export interface CheckRun {
  check: AnalysisCheck;
  cluster: string;
  query: string;
  endpoint: PromEndpoint;
  /** analysis_timeout: the whole analysis of this cluster, from its start. */
  timeoutMs: number;
}

/** The line of one measurement: `[asia-northeast1/web] error-rate 0.004 ≤ 0.05 (2/3)`. */
function report(run: CheckRun, step: Step, counted: number, log: Logger): void {
  const line = `[${run.cluster}] ${run.check.name} ${step.text} (${counted}/${run.check.count})`;
  if (step.breach !== undefined || step.value === null) log.warn(line);
  else log.info(line);
}

export async function runCheck(run: CheckRun, deps: AnalysisDeps): Promise<CheckResult> {
  const { check } = run;
  const deadline = deps.now() + run.timeoutMs;
  const values: (number | null)[] = [];
  const end = (verdict: Verdict, breach?: string): CheckResult => ({
    name: check.name,
    cluster: run.cluster,
    query: run.query,
    values,
    verdict,
    ...(breach !== undefined ? { breach } : {}),
  });
  let failures = 0;
  await deps.sleep(check.delayMs, deps.signal);
  while (values.length < check.count) {
    if (deps.signal.aborted) return end('cancelled');
    const at = deps.now();
    const step = assess(await measure(run.endpoint, run.query, check.intervalMs, deps), check);
    if (deps.signal.aborted) return end('cancelled');
    if (step.counts) values.push(step.value);
    report(run, step, values.length, deps.log);
    if (step.breach !== undefined) {
      failures += 1;
      if (step.fatal || failures > check.failureLimit) return end('failed', step.breach);
    }
    if (values.length === check.count) break;
    const next = at + check.intervalMs;
    if (next > deadline) {
      const got = `${values.length} of ${check.count} measurements`;
      return end('failed', `analysis_timeout ran out after ${got}${step.counts ? '' : ' (no data)'}`);
    }
    await deps.sleep(Math.max(0, next - deps.now()), deps.signal);
  }
  return deps.signal.aborted ? end('cancelled') : end('passed');
}
