// The reading of each Prometheus answer shape: one number, no data, or a message saying
// what came back.
import assert from 'node:assert/strict';
import { describeSeries, parseQueryResponse } from '../../../../../plugins/gke-deploy/analysis/parse.ts';
import { badData, matrix, scalar, stringResult, upOfTwoTargets, vector } from './fixtures.ts';

describe('gke-deploy analysis: reading a Prometheus answer', () => {
  it('reads a scalar', () => {
    assert.deepEqual(parseQueryResponse(scalar('0.004')), { kind: 'value', value: 0.004 });
  });

  it('reads a vector of one series', () => {
    assert.deepEqual(parseQueryResponse(vector([{ app: 'web' }, '12.5'])), { kind: 'value', value: 12.5 });
  });

  it('reads an empty vector as no data', () => {
    assert.deepEqual(parseQueryResponse(vector()), { kind: 'no-data', why: 'an empty vector' });
  });

  it('reads NaN as no data, and the infinities as numbers', () => {
    assert.deepEqual(parseQueryResponse(scalar('NaN')), { kind: 'no-data', why: 'NaN' });
    assert.deepEqual(parseQueryResponse(vector([{}, 'NaN'])), { kind: 'no-data', why: 'NaN' });
    assert.deepEqual(parseQueryResponse(scalar('+Inf')), { kind: 'value', value: Number.POSITIVE_INFINITY });
    assert.deepEqual(parseQueryResponse(vector([{}, '-Inf'])), {
      kind: 'value',
      value: Number.NEGATIVE_INFINITY,
    });
  });

  it('says what a vector of two series holds', () => {
    const r = parseQueryResponse(vector([{ code: '500' }, '0.2'], [{ code: '200' }, '0.8']));
    assert.equal(r.kind, 'invalid');
    assert.match(
      (r as { message: string }).message,
      /^a vector of 2 series: \{code="500"\} 0\.2, \{code="200"\} 0\.8; the query must return one number/,
    );
    const up = parseQueryResponse(upOfTwoTargets) as { message: string };
    assert.match(up.message, /up\{job="prometheus", instance="localhost:9090"\} 1, up\{job="node"/);
  });

  it('shows at most five series of a long vector', () => {
    const many = Array.from({ length: 7 }, (_, i): [Record<string, string>, string] => [
      { pod: `p${i}` },
      '1',
    ]);
    const r = parseQueryResponse(vector(...many)) as { message: string };
    assert.match(r.message, /^a vector of 7 series: .*\{pod="p4"\} 1, and 2 more;/);
  });

  it('refuses a range vector, a string and a refused query, saying how to fix them', () => {
    assert.match(
      (parseQueryResponse(matrix) as { message: string }).message,
      /a range vector of 1 series; .*instant/,
    );
    assert.match((parseQueryResponse(stringResult) as { message: string }).message, /a string "hello"/);
    assert.match(
      (parseQueryResponse(badData) as { message: string }).message,
      /^Prometheus refused the query: bad_data: invalid parameter "query": 1:6: parse error/,
    );
  });

  it('refuses what is not a Prometheus answer', () => {
    assert.match(
      (parseQueryResponse('<html>Grafana</html>') as { message: string }).message,
      /not JSON \("<html>Grafana<\/html>"\); is analysis_endpoint the base URL/,
    );
    assert.match(
      (parseQueryResponse('{"data":{}}') as { message: string }).message,
      /without "status": "success"/,
    );
    assert.match((parseQueryResponse(scalar('many')) as { message: string }).message, /not a number: "many"/);
  });

  it('writes a series as PromQL does', () => {
    assert.equal(describeSeries({ __name__: 'up', job: 'a' }), 'up{job="a"}');
    assert.equal(describeSeries({}), '{}');
  });
});
