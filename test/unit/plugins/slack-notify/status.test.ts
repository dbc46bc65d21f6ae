import assert from 'node:assert/strict';
import { readBuildContext } from '../../../../common/ci.ts';
import { decideNotification, type NotifyOn } from '../../../../plugins/slack-notify/status.ts';

const ctx = (env: Record<string, string>) => readBuildContext(env);

describe('slack-notify status and notify_on', () => {
  it('reports failure when a step of a parallel pipeline failed while DRONE_BUILD_STATUS says success', () => {
    const d = decideNotification(ctx({ DRONE_BUILD_STATUS: 'success', DRONE_FAILED_STEPS: 'test' }), [
      'always',
    ]);
    assert.equal(d.status, 'failure');
  });

  it('under Woodpecker, reports CI_PIPELINE_STATUS, not the compat DRONE_BUILD_STATUS=success', () => {
    const woodpecker = { CI: 'woodpecker', DRONE_BUILD_STATUS: 'success' };
    const failed = decideNotification(ctx({ ...woodpecker, CI_PIPELINE_STATUS: 'failure' }), ['failure']);
    assert.equal(failed.status, 'failure');
    assert.equal(failed.notify, true);
    assert.equal(failed.warning, undefined);
  });

  it('warns under a Woodpecker without CI_PIPELINE_STATUS (before 3.15) that the status is unknown', () => {
    const d = decideNotification(ctx({ CI: 'woodpecker', DRONE_BUILD_STATUS: 'success' }), ['always']);
    assert.match(d.warning ?? '', /no CI_PIPELINE_STATUS/);
  });

  it('reports fixed after a failed previous build, success otherwise', () => {
    assert.equal(
      decideNotification(ctx({ DRONE_BUILD_STATUS: 'success', DRONE_PREV_BUILD_STATUS: 'failure' }), [
        'always',
      ]).status,
      'fixed',
    );
    assert.equal(
      decideNotification(ctx({ DRONE_BUILD_STATUS: 'success', DRONE_PREV_BUILD_STATUS: 'success' }), [
        'always',
      ]).status,
      'success',
    );
  });

  it('filters by notify_on; success covers fixed, fixed only fixed', () => {
    const cases: [Record<string, string>, NotifyOn[], boolean][] = [
      [{ DRONE_BUILD_STATUS: 'success' }, ['failure'], false],
      [{ DRONE_BUILD_STATUS: 'failure' }, ['failure'], true],
      [{ DRONE_BUILD_STATUS: 'success' }, ['success'], true],
      [{ DRONE_BUILD_STATUS: 'success', DRONE_PREV_BUILD_STATUS: 'failure' }, ['success'], true],
      [{ DRONE_BUILD_STATUS: 'success', DRONE_PREV_BUILD_STATUS: 'failure' }, ['fixed'], true],
      [{ DRONE_BUILD_STATUS: 'success' }, ['fixed'], false],
      [{ DRONE_BUILD_STATUS: 'failure' }, ['success', 'fixed'], false],
      [{ DRONE_BUILD_STATUS: 'failure' }, ['always'], true],
    ];
    for (const [env, on, want] of cases) {
      const d = decideNotification(ctx(env), on);
      assert.equal(d.notify, want, `${JSON.stringify(env)} with ${on.join(',')}`);
      if (!want)
        assert.match(d.reason ?? '', new RegExp(`status is ${d.status} and notify_on is ${on.join(', ')}`));
    }
  });
});
