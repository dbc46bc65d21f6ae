// What a Prometheus instant query answered, as one reading: a number (a scalar, or a vector
// of exactly one series), no data (an empty vector, or NaN: nothing to divide), or an answer
// that cannot be judged, described so the reader can fix the query.

export type Reading =
  | { kind: 'value'; value: number }
  | { kind: 'no-data'; why: string }
  | { kind: 'invalid'; message: string };

const MAX_SHOWN = 5;

/** A sample's value as Prometheus writes it: a decimal string, "NaN", "+Inf" or "-Inf". */
function sampleValue(text: unknown): Reading {
  if (text === 'NaN') return { kind: 'no-data', why: 'NaN' };
  if (text === '+Inf' || text === 'Inf') return { kind: 'value', value: Number.POSITIVE_INFINITY };
  if (text === '-Inf') return { kind: 'value', value: Number.NEGATIVE_INFINITY };
  const value = typeof text === 'string' && text.trim() !== '' ? Number(text) : Number.NaN;
  if (Number.isNaN(value))
    return { kind: 'invalid', message: `a sample value that is not a number: ${JSON.stringify(text)}` };
  return { kind: 'value', value };
}

/** A series' labels as PromQL writes them: name{label="value", ...}. */
export function describeSeries(metric: unknown): string {
  const labels = { ...(metric as Record<string, string> | undefined) };
  const name = labels.__name__ ?? '';
  delete labels.__name__;
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return `${name}{${inner}}`;
}

type Sample = { metric?: unknown; value?: unknown[] };

function vectorReading(result: Sample[]): Reading {
  if (result.length === 0) return { kind: 'no-data', why: 'an empty vector' };
  if (result.length === 1) return sampleValue(result[0]?.value?.[1]);
  const shown = result.slice(0, MAX_SHOWN).map((s) => `${describeSeries(s.metric)} ${s.value?.[1]}`);
  const more = result.length > MAX_SHOWN ? `, and ${result.length - MAX_SHOWN} more` : '';
  return {
    kind: 'invalid',
    message: `a vector of ${result.length} series: ${shown.join(', ')}${more}; the query must return one number: aggregate it, e.g. with sum(...)`,
  };
}

function resultReading(type: unknown, result: unknown): Reading {
  if (type === 'scalar' && Array.isArray(result)) return sampleValue(result[1]);
  if (type === 'vector' && Array.isArray(result)) return vectorReading(result as Sample[]);
  if (type === 'matrix' && Array.isArray(result)) {
    return {
      kind: 'invalid',
      message: `a range vector of ${result.length} series; the query must be instant: drop the [range] at its end, or wrap it in a function such as rate(...)`,
    };
  }
  if (type === 'string' && Array.isArray(result)) {
    return {
      kind: 'invalid',
      message: `a string ${JSON.stringify(result[1])}; the query must return a number`,
    };
  }
  return {
    kind: 'invalid',
    message: `a result of type ${JSON.stringify(type)}, which is not a Prometheus result`,
  };
}

/** The reading in the body of a /api/v1/query answer (any HTTP status). */
export function parseQueryResponse(body: string): Reading {
  let json: {
    status?: unknown;
    data?: { resultType?: unknown; result?: unknown };
    errorType?: unknown;
    error?: unknown;
  };
  try {
    json = JSON.parse(body);
  } catch {
    const start = body.trim().slice(0, 80).replace(/\s+/g, ' ');
    return {
      kind: 'invalid',
      message: `an answer that is not JSON (${JSON.stringify(start)}); is analysis_endpoint the base URL of a Prometheus HTTP API?`,
    };
  }
  if (json?.status === 'error') {
    return { kind: 'invalid', message: `Prometheus refused the query: ${json.errorType}: ${json.error}` };
  }
  if (json?.status !== 'success' || typeof json.data !== 'object' || json.data === null) {
    return {
      kind: 'invalid',
      message:
        'an answer without "status": "success" and "data"; is analysis_endpoint a Prometheus HTTP API?',
    };
  }
  return resultReading(json.data.resultType, json.data.result);
}
