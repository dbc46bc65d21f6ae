import assert from 'node:assert/strict';
import { decodeSetting } from '../../../common/decode.ts';

const ok = (raw: string, spec: object, secret = false) => {
  const r = decodeSetting(raw, spec, secret);
  assert.ok(r.ok, `expected ${raw} to decode: ${JSON.stringify(r)}`);
  return r.value;
};
const problem = (raw: string, spec: object, secret = false) => {
  const r = decodeSetting(raw, spec, secret);
  assert.ok(!r.ok, `expected ${raw} to be refused`);
  return r.problem;
};

describe('decodeSetting (Drone encodings)', () => {
  it('reads a comma-joined list, as Drone writes a YAML list of scalars', () => {
    assert.deepEqual(ok('a.yml,b.yml, c.yml', { type: 'array', items: { type: 'string' } }), [
      'a.yml',
      'b.yml',
      'c.yml',
    ]);
  });

  it('keeps commas inside items of a JSON array', () => {
    assert.deepEqual(ok('["a,b","c"]', { type: 'array', items: { type: 'string' } }), ['a,b', 'c']);
  });

  it('reads lists of objects, which Drone writes as JSON', () => {
    const spec = { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'object' }] } };
    assert.deepEqual(ok('[{"name":"web","location":"us-central1"}]', spec), [
      { name: 'web', location: 'us-central1' },
    ]);
  });

  it('types the items of a comma list', () => {
    assert.deepEqual(ok('1,2,3', { type: 'array', items: { type: 'integer' } }), [1, 2, 3]);
    assert.match(
      problem('1,two', { type: 'array', items: { type: 'integer' } }),
      /"two" is not a whole number/,
    );
  });

  it('reads a JSON object and refuses a JSON array where an object is expected', () => {
    assert.deepEqual(ok('{"env":"prod","replicas":3}', { type: 'object' }), { env: 'prod', replicas: 3 });
    assert.match(problem('not json', { type: 'object' }), /expected a JSON object/);
    assert.match(problem('{"a":', { type: 'object' }), /is not valid JSON: /);
  });

  it('reads true and false, and nothing else, as booleans', () => {
    assert.equal(ok('true', { type: 'boolean' }), true);
    assert.equal(ok('FALSE', { type: 'boolean' }), false);
    for (const bad of ['yes', 'no', '1', 'on', '']) {
      assert.match(problem(bad, { type: 'boolean' }), /expected true or false/);
    }
  });

  it('reads numbers strictly', () => {
    assert.equal(ok('300', { type: 'integer' }), 300);
    assert.equal(ok('0.5', { type: 'number' }), 0.5);
    assert.match(problem('3.5', { type: 'integer' }), /expected a whole number, got "3.5"/);
    assert.match(problem('10s', { type: 'integer' }), /expected a whole number/);
  });

  it('prefers a JSON object for a string-or-object setting, else keeps the string', () => {
    const spec = { type: ['string', 'object'] };
    assert.deepEqual(ok('{"*.html":"no-cache"}', spec), { '*.html': 'no-cache' });
    assert.equal(ok('public, max-age=60', spec), 'public, max-age=60');
  });

  it('reads a non-JSON value as the string when a setting takes a string or a list', () => {
    const spec = { type: ['string', 'object', 'array'] };
    assert.equal(ok('public, max-age=60', spec), 'public, max-age=60');
    assert.deepEqual(ok('[{"*.html":"no-cache"}]', spec), [{ '*.html': 'no-cache' }]);
  });

  it('never quotes a secret, not even through JSON.parse messages', () => {
    const secret = '{"private_key": "hunter2-top-secret"';
    const p = problem(secret, { type: 'object' }, true);
    assert.equal(p, 'is not valid JSON');
    assert.doesNotMatch(p, /hunter2/);
    assert.match(problem('yes-hunter2', { type: 'boolean' }, true), /a secret value, not shown/);
  });
});
