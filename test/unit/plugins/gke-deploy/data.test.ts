import assert from 'node:assert/strict';
import { readBuildContext } from '../../../../common/ci.ts';
import { expandEnv, secretData, templateData } from '../../../../plugins/gke-deploy/data.ts';

describe('template data', () => {
  const ctx = readBuildContext({
    DRONE_BUILD_NUMBER: '12',
    DRONE_COMMIT_SHA: 'abc',
    DRONE_COMMIT_BRANCH: 'main',
    DRONE_TAG: 'v1',
  });
  const base = {
    ctx,
    expandEnvVars: false,
    env: {},
    namespace: 'prod',
    cluster: 'web',
    project: 'p',
    zone: 'us-central1-a',
  };

  it("has drone-gke's built-ins and the vars", () => {
    assert.deepEqual(templateData({ ...base, vars: { app: 'web', replicas: 3 } }), {
      BUILD_NUMBER: '12',
      COMMIT: 'abc',
      BRANCH: 'main',
      TAG: 'v1',
      cluster: 'web',
      namespace: 'prod',
      project: 'p',
      zone: 'us-central1-a',
      app: 'web',
      replicas: 3,
    });
  });

  it('refuses vars that shadow a built-in', () => {
    assert.throws(
      () => templateData({ ...base, vars: { COMMIT: 'x' } }),
      /vars: "COMMIT" shadows a built-in variable/,
    );
  });

  it('expands environment variables in vars only when asked', () => {
    const env = { USER: 'drone', HOME: '/root' };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell-style ${VAR}, as users write it
    assert.equal(expandEnv('$USER-${HOME}-$$USER-$MISSING.', env), 'drone-/root-$USER-.');
    assert.equal(templateData({ ...base, env, vars: { u: '$USER' } }).u, '$USER');
    assert.equal(templateData({ ...base, env, expandEnvVars: true, vars: { u: '$USER' } }).u, 'drone');
  });

  it('base64-encodes SECRET_* and passes SECRET_BASE64_* through', () => {
    assert.deepEqual(secretData({ SECRET_API_TOKEN: 'hunter2', SECRET_BASE64_CERT: 'AAAA', OTHER: 'x' }), {
      SECRET_API_TOKEN: 'aHVudGVyMg==',
      SECRET_BASE64_CERT: 'AAAA',
    });
  });
});
