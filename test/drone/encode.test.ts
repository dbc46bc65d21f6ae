// The bundle runner (the demo without Podman) must hand the plugins the settings exactly as
// Drone's runner does (drone-runner-docker internal/encoder): these cases follow that code.
import assert from 'node:assert/strict';
import { encodeSetting } from './pipeline.ts';

describe('encodeSetting: settings as drone-runner-docker encodes them', () => {
  it('passes strings as they are and prints numbers and booleans', () => {
    assert.equal(encodeSetting('web'), 'web');
    assert.equal(encodeSetting(3), '3');
    assert.equal(encodeSetting(1.5), '1.5');
    assert.equal(encodeSetting(true), 'true');
  });

  it('joins a list of scalars with commas', () => {
    assert.equal(encodeSetting(['html', 'css', 'js']), 'html,css,js');
    assert.equal(encodeSetting([1, 2]), '1,2');
  });

  it('writes maps and lists of maps as JSON with the keys sorted at every depth', () => {
    assert.equal(
      encodeSetting({ '*.html': 'a', '*.{css,js}': 'b', '**': 'c' }),
      '{"**":"c","*.html":"a","*.{css,js}":"b"}',
    );
    assert.equal(
      encodeSetting({ production: { namespace: 'web', clusters: ['a/b'] } }),
      '{"production":{"clusters":["a/b"],"namespace":"web"}}',
    );
    assert.equal(encodeSetting([{ url: 'u', status: 200 }]), '[{"status":200,"url":"u"}]');
  });
});
