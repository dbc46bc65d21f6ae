import assert from 'node:assert/strict';
import { deriveStatus, inCi, readBuildContext } from '../../../common/ci.ts';

const base = {
  DRONE: 'true',
  DRONE_REPO: 'acme/web',
  DRONE_REPO_LINK: 'https://git.example.com/acme/web',
  DRONE_COMMIT_SHA: '0123456789abcdef0123456789abcdef01234567',
  DRONE_COMMIT_REF: 'refs/heads/main',
  DRONE_COMMIT_BRANCH: 'main',
  DRONE_COMMIT_MESSAGE: 'Fix the thing\n\nLonger body',
  DRONE_COMMIT_AUTHOR: 'octocat',
  DRONE_COMMIT_AUTHOR_NAME: 'The Octocat',
  DRONE_BUILD_NUMBER: '42',
  DRONE_BUILD_EVENT: 'push',
  DRONE_BUILD_LINK: 'https://drone.example.com/acme/web/42',
  DRONE_BUILD_STATUS: 'success',
  DRONE_BUILD_CREATED: '1700000000',
  DRONE_BUILD_STARTED: '1700000005',
  DRONE_BUILD_FINISHED: '1700000100',
};

describe('readBuildContext', () => {
  it('reads repo, commit, build and derived names', () => {
    const ctx = readBuildContext(base);
    assert.equal(ctx.repo.owner, 'acme');
    assert.equal(ctx.repo.name, 'web');
    assert.equal(ctx.commit.author.name, 'The Octocat');
    assert.equal(ctx.build.number, 42);
    assert.equal(ctx.build.started, 1700000005);
    assert.equal(ctx.commit.message, 'Fix the thing\n\nLonger body');
    assert.deepEqual(ctx.failedSteps, []);
  });

  it('reads failed steps and stages, deploy target and parent build', () => {
    const ctx = readBuildContext({
      ...base,
      DRONE_FAILED_STEPS: 'test,deploy',
      DRONE_FAILED_STAGES: 'default',
      DRONE_BUILD_EVENT: 'promote',
      DRONE_DEPLOY_TO: 'production',
      DRONE_BUILD_PARENT: '41',
    });
    assert.deepEqual(ctx.failedSteps, ['test', 'deploy']);
    assert.deepEqual(ctx.failedStages, ['default']);
    assert.equal(ctx.deploy.to, 'production');
    assert.equal(ctx.build.parent, 41);
  });

  it('reads DRONE_BUILD_PARENT=0 (what Drone writes for no parent) as no parent', () => {
    assert.equal(readBuildContext({ ...base, DRONE_BUILD_PARENT: '0' }).build.parent, undefined);
  });

  it('leaves numbers undefined when absent or not numbers', () => {
    const ctx = readBuildContext({ DRONE_BUILD_NUMBER: 'x' });
    assert.equal(ctx.build.number, undefined);
    assert.equal(ctx.repo.slug, '');
  });

  it('knows when it runs outside Drone', () => {
    assert.equal(inCi(base), true);
    assert.equal(inCi({}), false);
  });
});

describe('deriveStatus', () => {
  const status = (env: Record<string, string>) => deriveStatus(readBuildContext({ ...base, ...env }));

  it('is success when Drone says so and nothing failed', () => {
    assert.equal(status({}), 'success');
  });

  it('is failure when a step failed, even while DRONE_BUILD_STATUS still says success (parallel pipelines)', () => {
    assert.equal(status({ DRONE_FAILED_STEPS: 'test' }), 'failure');
    assert.equal(status({ DRONE_BUILD_STATUS: 'failure' }), 'failure');
    assert.equal(status({ DRONE_FAILED_STAGES: 'backend' }), 'failure');
  });

  it('is fixed when this build succeeded after a failed one', () => {
    assert.equal(status({ DRONE_PREV_BUILD_STATUS: 'failure' }), 'fixed');
    assert.equal(status({ DRONE_PREV_BUILD_STATUS: 'success' }), 'success');
    assert.equal(status({ DRONE_PREV_BUILD_STATUS: 'failure', DRONE_FAILED_STEPS: 'x' }), 'failure');
  });
});
