// One reading judged against its check: whether it counts as a measurement, whether it
// breaches the thresholds (and how to say so: `value 0.12 > max 0.05`), and the text of its
// progress line.
import type { Reading } from './parse.ts';
import type { AnalysisCheck } from './settings.ts';

type Thresholds = Pick<AnalysisCheck, 'min' | 'max'>;

/** A value as short as it stays readable: 0.004166666 becomes 0.004167; infinities as Prometheus writes them. */
export function formatValue(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(Number(v.toPrecision(4)));
}

/** How `v` breaches the thresholds (`> max 0.05`), or undefined when it is within them. */
export function breachOf(v: number, t: Thresholds): string | undefined {
  if (t.max !== undefined && v > t.max) return `> max ${formatValue(t.max)}`;
  if (t.min !== undefined && v < t.min) return `< min ${formatValue(t.min)}`;
  return undefined;
}

/** A value within its thresholds, as `0.004 ≤ 0.05`, `12 ≥ 10` or `1 ≤ 2 ≤ 3`. */
function withinText(v: number, t: Thresholds): string {
  const low = t.min !== undefined ? `${formatValue(t.min)} ≤ ` : '';
  const high = t.max !== undefined ? ` ≤ ${formatValue(t.max)}` : '';
  if (!low) return `${formatValue(v)}${high}`;
  return high ? `${low}${formatValue(v)}${high}` : `${formatValue(v)} ≥ ${formatValue(t.min as number)}`;
}

export interface Step {
  /** Whether this reading is one of the check's `count` measurements (false: on_no_data retry). */
  counts: boolean;
  /** The value measured; null for no data or an answer that cannot be judged. */
  value: number | null;
  /** Why this measurement fails, e.g. `value 0.12 > max 0.05`; undefined when it passes. */
  breach?: string;
  /** The check fails now, whatever failure_limit says: another query will not answer better. */
  fatal: boolean;
  /** What the progress line says about it. */
  text: string;
}

/** The reading judged against `check`. */
export function assess(reading: Reading, check: AnalysisCheck): Step {
  if (reading.kind === 'invalid') {
    return { counts: true, value: null, breach: reading.message, fatal: true, text: reading.message };
  }
  if (reading.kind === 'value') {
    const v = reading.value;
    const breach = breachOf(v, check);
    if (breach === undefined) return { counts: true, value: v, fatal: false, text: withinText(v, check) };
    return {
      counts: true,
      value: v,
      breach: `value ${formatValue(v)} ${breach}`,
      fatal: false,
      text: `${formatValue(v)} ${breach}`,
    };
  }
  const none = `no data (${reading.why})`;
  if (check.onNoData === 'pass') {
    return { counts: true, value: null, fatal: false, text: `${none}: passes, as on_no_data is pass` };
  }
  if (check.onNoData === 'retry') {
    return {
      counts: false,
      value: null,
      fatal: false,
      text: `${none}: not counted, tried again (on_no_data: retry)`,
    };
  }
  return {
    counts: true,
    value: null,
    breach: none,
    fatal: false,
    text: `${none}: a failure (on_no_data: fail)`,
  };
}
