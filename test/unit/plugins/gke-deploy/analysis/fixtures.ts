// Answers of the Prometheus HTTP API (GET /api/v1/query), in the shapes its documentation
// gives (https://prometheus.io/docs/prometheus/latest/querying/api/): the envelope
// {status, data: {resultType, result}} or {status: "error", errorType, error}, samples as
// [<unix time>, "<value>"], values as strings ("NaN", "+Inf", "-Inf" included).

const T = 1435781451.781;

export function scalar(value: string): string {
  return JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [T, value] } });
}

export function vector(...series: [Record<string, string>, string][]): string {
  return JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: series.map(([metric, value]) => ({ metric, value: [T, value] })) },
  });
}

/** The documentation's own example: `up` on two targets. */
export const upOfTwoTargets = JSON.stringify({
  status: 'success',
  data: {
    resultType: 'vector',
    result: [
      { metric: { __name__: 'up', job: 'prometheus', instance: 'localhost:9090' }, value: [T, '1'] },
      { metric: { __name__: 'up', job: 'node', instance: 'localhost:9100' }, value: [T, '0'] },
    ],
  },
});

/** A range vector (what `up[30s]` answers). */
export const matrix = JSON.stringify({
  status: 'success',
  data: {
    resultType: 'matrix',
    result: [
      {
        metric: { __name__: 'up', job: 'prometheus', instance: 'localhost:9090' },
        values: [
          [T, '1'],
          [T + 15, '1'],
        ],
      },
    ],
  },
});

export const stringResult = JSON.stringify({
  status: 'success',
  data: { resultType: 'string', result: [T, 'hello'] },
});

/** Prometheus refusing a query that does not parse (HTTP 400). */
export const badData = JSON.stringify({
  status: 'error',
  errorType: 'bad_data',
  error: 'invalid parameter "query": 1:6: parse error: unexpected right parenthesis \')\'',
});
