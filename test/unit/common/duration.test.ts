import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../../common/duration.ts';

describe('parseDuration', () => {
  it('reads units, compounds and plain seconds', () => {
    assert.equal(parseDuration('300'), 300_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('7d'), 604_800_000);
    assert.equal(parseDuration('1.5s'), 1500);
  });

  it('refuses anything else', () => {
    for (const bad of ['', 'soon', '5 m', '5x', 'm5', '-5s'])
      assert.throws(() => parseDuration(bad), /not a duration/);
  });

  it('formats for humans', () => {
    assert.equal(formatDuration(12), '12 ms');
    assert.equal(formatDuration(2500), '2.5 s');
    assert.equal(formatDuration(125_000), '2m05s');
  });
});
