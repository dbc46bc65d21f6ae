// The build context under each CI, from the variables each one really sets on a plugin step:
//   Drone: drone/runner-go environ/environ.go;
//   Woodpecker: woodpecker-ci/woodpecker pipeline/frontend/metadata/environment.go (CI_*),
//     pipeline/runtime/step.go (CI_PIPELINE_STATUS, per step, 3.15+) and
//     pipeline/frontend/metadata/drone_compatibility.go (the DRONE_* copies, with
//     DRONE_BUILD_STATUS hard-coded to "success");
//   Harness CI: the "CI environment variables reference" page of the Harness developer docs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveStatus, detectSystem, inCi, readBuildContext } from '../../../common/ci.ts';
import { CI_VARIABLES } from '../../../common/ci-variables.ts';

/** What Woodpecker's compatibility layer adds to a plugin step (drone_compatibility.go). */
function withWoodpeckerCompat(env: Record<string, string>): Record<string, string> {
  const copies: [string, string][] = [
    ['CI_COMMIT_BRANCH', 'DRONE_BRANCH'],
    ['CI_COMMIT_TAG', 'DRONE_TAG'],
    ['CI_PIPELINE_NUMBER', 'DRONE_BUILD_NUMBER'],
    ['CI_PIPELINE_PARENT', 'DRONE_BUILD_PARENT'],
    ['CI_PIPELINE_EVENT', 'DRONE_BUILD_EVENT'],
    ['CI_PIPELINE_URL', 'DRONE_BUILD_LINK'],
    ['CI_PIPELINE_CREATED', 'DRONE_BUILD_CREATED'],
    ['CI_PIPELINE_STARTED', 'DRONE_BUILD_STARTED'],
    ['CI_COMMIT_SHA', 'DRONE_COMMIT_SHA'],
    ['CI_COMMIT_REF', 'DRONE_COMMIT_REF'],
    ['CI_COMMIT_BRANCH', 'DRONE_COMMIT_BRANCH'],
    ['CI_PIPELINE_FORGE_URL', 'DRONE_COMMIT_LINK'],
    ['CI_COMMIT_MESSAGE', 'DRONE_COMMIT_MESSAGE'],
    ['CI_COMMIT_AUTHOR', 'DRONE_COMMIT_AUTHOR'],
    ['CI_COMMIT_AUTHOR', 'DRONE_COMMIT_AUTHOR_NAME'],
    ['CI_COMMIT_AUTHOR_EMAIL', 'DRONE_COMMIT_AUTHOR_EMAIL'],
    ['CI_REPO', 'DRONE_REPO'],
    ['CI_REPO_OWNER', 'DRONE_REPO_OWNER'],
    ['CI_REPO_NAME', 'DRONE_REPO_NAME'],
    ['CI_REPO_URL', 'DRONE_REPO_LINK'],
    ['CI_SYSTEM_HOST', 'DRONE_SYSTEM_HOST'],
    ['CI_STEP_NUMBER', 'DRONE_STEP_NUMBER'],
  ];
  const out = { ...env };
  for (const [from, to] of copies) if (env[from] !== undefined) out[to] = env[from];
  out.DRONE_BUILD_STATUS = 'success';
  return out;
}

const woodpecker = (extra: Record<string, string> = {}) =>
  withWoodpeckerCompat({
    CI: 'woodpecker',
    CI_SYSTEM_NAME: 'woodpecker',
    CI_SYSTEM_URL: 'https://ci.example.com',
    CI_SYSTEM_HOST: 'ci.example.com',
    CI_REPO: 'acme/web',
    CI_REPO_OWNER: 'acme',
    CI_REPO_NAME: 'web',
    CI_REPO_URL: 'https://git.example.com/acme/web',
    CI_REPO_DEFAULT_BRANCH: 'main',
    CI_COMMIT_SHA: 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef',
    CI_COMMIT_REF: 'refs/tags/v2',
    CI_COMMIT_BRANCH: 'main',
    CI_COMMIT_TAG: 'v2',
    CI_COMMIT_MESSAGE: 'Ship v2',
    CI_COMMIT_AUTHOR: 'octocat',
    CI_COMMIT_AUTHOR_EMAIL: 'octocat@example.com',
    CI_PIPELINE_NUMBER: '8',
    CI_PIPELINE_PARENT: '0',
    CI_PIPELINE_EVENT: 'tag',
    CI_PIPELINE_URL: 'https://ci.example.com/repos/7/pipeline/8',
    CI_PIPELINE_FORGE_URL: 'https://git.example.com/acme/web/commit/deadbeef',
    CI_PIPELINE_CREATED: '1722617519',
    CI_PIPELINE_STARTED: '1722617520',
    CI_PIPELINE_AVATAR: 'https://git.example.com/avatars/5',
    CI_WORKFLOW_NAME: 'deploy',
    CI_WORKFLOW_NUMBER: '1',
    CI_STEP_NAME: 'notify',
    CI_STEP_NUMBER: '3',
    CI_PREV_PIPELINE_NUMBER: '7',
    CI_PREV_PIPELINE_STATUS: 'success',
    ...extra,
  });

describe('the build context under Drone', () => {
  it('reads the runner-go variables', () => {
    const env = {
      DRONE: 'true',
      DRONE_REPO: 'acme/web',
      DRONE_COMMIT_SHA: 'abc1234',
      DRONE_BUILD_NUMBER: '42',
      DRONE_BUILD_EVENT: 'promote',
      DRONE_BUILD_STATUS: 'success',
      DRONE_DEPLOY_TO: 'production',
      DRONE_BUILD_PARENT: '41',
      DRONE_SYSTEM_PROTO: 'https',
      DRONE_SYSTEM_HOST: 'drone.example.com',
    };
    const ctx = readBuildContext(env);
    assert.equal(ctx.ci, 'drone');
    assert.equal(ctx.build.number, 42);
    assert.equal(ctx.deploy.to, 'production');
    assert.equal(ctx.build.parent, 41);
    assert.equal(ctx.system.link, 'https://drone.example.com');
    assert.equal(deriveStatus(ctx), 'success');
  });
});

describe('the build context under Woodpecker', () => {
  it('is chosen by CI=woodpecker and reads the CI_* variables', () => {
    const ctx = readBuildContext(woodpecker({ CI_PIPELINE_STATUS: 'success' }));
    assert.equal(ctx.ci, 'woodpecker');
    assert.equal(ctx.repo.slug, 'acme/web');
    assert.equal(ctx.repo.link, 'https://git.example.com/acme/web');
    assert.equal(ctx.repo.branch, 'main');
    assert.equal(ctx.commit.sha, 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef');
    assert.equal(ctx.commit.link, 'https://git.example.com/acme/web/commit/deadbeef');
    assert.equal(ctx.commit.author.avatar, 'https://git.example.com/avatars/5');
    assert.equal(ctx.tag, 'v2');
    assert.equal(ctx.build.number, 8);
    assert.equal(ctx.build.parent, undefined);
    assert.equal(ctx.build.link, 'https://ci.example.com/repos/7/pipeline/8');
    assert.equal(ctx.stage.name, 'deploy');
    assert.equal(ctx.step.name, 'notify');
    assert.equal(ctx.previous.number, 7);
    assert.equal(ctx.system.link, 'https://ci.example.com');
    assert.equal(deriveStatus(ctx), 'success');
  });

  it('reports a failed pipeline as failure although the compat DRONE_BUILD_STATUS says success', () => {
    const env = woodpecker({ CI_PIPELINE_STATUS: 'failure' });
    assert.equal(env.DRONE_BUILD_STATUS, 'success');
    assert.equal(deriveStatus(readBuildContext(env)), 'failure');
  });

  it('does not take the compat DRONE_BUILD_STATUS as its status when CI_PIPELINE_STATUS is missing', () => {
    assert.equal(readBuildContext(woodpecker()).build.status, '');
  });

  it('is fixed after a failed previous pipeline', () => {
    const ctx = readBuildContext(
      woodpecker({ CI_PIPELINE_STATUS: 'success', CI_PREV_PIPELINE_STATUS: 'failure' }),
    );
    assert.equal(deriveStatus(ctx), 'fixed');
  });

  it('takes the deploy target of a deployment event from CI_PIPELINE_DEPLOY_TARGET', () => {
    const ctx = readBuildContext(
      woodpecker({
        CI_PIPELINE_EVENT: 'deployment',
        CI_PIPELINE_DEPLOY_TARGET: 'production',
        CI_PIPELINE_PARENT: '5',
      }),
    );
    assert.equal(ctx.build.event, 'deployment');
    assert.equal(ctx.deploy.to, 'production');
    assert.equal(ctx.build.parent, 5);
  });

  it('is recognised by CI_SYSTEM_NAME alone, and counts as running in a CI', () => {
    assert.equal(detectSystem({ CI_SYSTEM_NAME: 'woodpecker' }), 'woodpecker');
    assert.equal(inCi({ CI: 'woodpecker' }), true);
  });
});

describe('the build context under Harness CI', () => {
  const harness = (extra: Record<string, string> = {}) => ({
    CI: 'true',
    DRONE: 'true',
    HARNESS_ACCOUNT_ID: 'acct',
    HARNESS_BUILD_ID: '17',
    HARNESS_EXECUTION_ID: 'Wk3fJ9',
    HARNESS_STAGE_ID: 'deploy',
    DRONE_BUILD_NUMBER: '17',
    CI_BUILD_LINK: 'https://app.harness.io/ng/account/acct/ci/executions/Wk3fJ9',
    DRONE_BUILD_LINK: 'https://app.harness.io/ng/account/acct/ci/executions/Wk3fJ9',
    DRONE_REPO: 'acme/web',
    DRONE_COMMIT_SHA: 'abc1234',
    DRONE_BUILD_EVENT: 'push',
    DRONE_BUILD_STATUS: 'success',
    DRONE_STAGE_NAME: 'Deploy',
    DRONE_STAGE_NUMBER: 'deploy',
    ...extra,
  });

  it('is chosen by HARNESS_BUILD_ID and reads its build id and link', () => {
    const ctx = readBuildContext(harness());
    assert.equal(ctx.ci, 'harness');
    assert.equal(ctx.build.number, 17);
    assert.equal(ctx.build.link, 'https://app.harness.io/ng/account/acct/ci/executions/Wk3fJ9');
    assert.equal(ctx.stage.name, 'Deploy');
    // The stage "number" Harness sets is the stage's identifier, not a number.
    assert.equal(ctx.stage.number, undefined);
    assert.equal(deriveStatus(ctx), 'success');
  });

  it('reports failure from DRONE_FAILED_STEPS or a failed status', () => {
    assert.equal(deriveStatus(readBuildContext(harness({ DRONE_FAILED_STEPS: 'build' }))), 'failure');
    assert.equal(deriveStatus(readBuildContext(harness({ CI_BUILD_STATUS: 'failed' }))), 'failure');
  });

  it('has no parent build (unsupported) and a deploy target only when the pipeline sets DRONE_DEPLOY_TO', () => {
    assert.equal(readBuildContext(harness({ DRONE_BUILD_PARENT: '3' })).build.parent, undefined);
    assert.equal(readBuildContext(harness()).deploy.to, '');
    assert.equal(readBuildContext(harness({ DRONE_DEPLOY_TO: 'production' })).deploy.to, 'production');
  });
});

describe('docs/ci-systems.md', () => {
  it('has the table of common/ci-variables.ts, field by field', () => {
    const text = readFileSync(join(import.meta.dirname, '../../../docs/ci-systems.md'), 'utf8');
    const cell = (names: readonly string[]) => (names.length ? names.map((n) => `\`${n}\``).join(', ') : '—');
    for (const [field, row] of Object.entries(CI_VARIABLES)) {
      const line = `| \`${field}\` | ${cell(row.drone)} | ${cell(row.woodpecker)} | ${cell(row.harness)} |`;
      assert.ok(text.includes(line), `docs/ci-systems.md lacks or differs on: ${line}`);
    }
  });
});
