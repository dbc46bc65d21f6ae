// Which variable each CI system sets for each field of the build context, in order of
// precedence. docs/ci-systems.md is this table for people, with the sources:
//   Drone: drone/runner-go environ/environ.go (what the runner sets on every step);
//   Woodpecker: woodpecker-ci/woodpecker pipeline/frontend/metadata/environment.go (CI_*),
//     pipeline/runtime/step.go (CI_PIPELINE_STATUS, CI_STEP_STARTED, set per step);
//   Harness CI: the "CI environment variables reference" page of the Harness developer docs.
// Woodpecker reads only its own CI_* names: its Drone-compatibility layer
// (pipeline/frontend/metadata/drone_compatibility.go) copies most of them to DRONE_*, but
// hard-codes DRONE_BUILD_STATUS=success, so a DRONE_* fallback would report a failure as success.

export type CiSystem = 'drone' | 'woodpecker' | 'harness';

export type Field =
  | 'repo.slug'
  | 'repo.owner'
  | 'repo.name'
  | 'repo.link'
  | 'repo.branch'
  | 'commit.sha'
  | 'commit.ref'
  | 'commit.branch'
  | 'commit.link'
  | 'commit.message'
  | 'commit.author.username'
  | 'commit.author.name'
  | 'commit.author.email'
  | 'commit.author.avatar'
  | 'tag'
  | 'pullRequest'
  | 'build.number'
  | 'build.event'
  | 'build.link'
  | 'build.status'
  | 'build.created'
  | 'build.started'
  | 'build.finished'
  | 'build.parent'
  | 'stage.name'
  | 'stage.number'
  | 'stage.started'
  | 'step.name'
  | 'step.number'
  | 'failedSteps'
  | 'failedStages'
  | 'deploy.to'
  | 'deploy.id'
  | 'previous.status'
  | 'previous.number'
  | 'system.host'
  | 'system.proto'
  | 'system.link';

type Row = Readonly<Record<CiSystem, readonly string[]>>;

/** Fields Harness names like Drone (its docs list the DRONE_* name beside its own). */
function same(names: readonly string[], woodpecker: readonly string[]): Row {
  return { drone: names, woodpecker, harness: names };
}

export const CI_VARIABLES: Readonly<Record<Field, Row>> = {
  'repo.slug': same(['DRONE_REPO'], ['CI_REPO']),
  'repo.owner': same(['DRONE_REPO_OWNER', 'DRONE_REPO_NAMESPACE'], ['CI_REPO_OWNER']),
  'repo.name': same(['DRONE_REPO_NAME'], ['CI_REPO_NAME']),
  'repo.link': same(['DRONE_REPO_LINK'], ['CI_REPO_URL']),
  'repo.branch': same(['DRONE_REPO_BRANCH'], ['CI_REPO_DEFAULT_BRANCH']),
  'commit.sha': same(['DRONE_COMMIT_SHA', 'DRONE_COMMIT'], ['CI_COMMIT_SHA']),
  'commit.ref': same(['DRONE_COMMIT_REF'], ['CI_COMMIT_REF']),
  'commit.branch': same(['DRONE_COMMIT_BRANCH', 'DRONE_BRANCH'], ['CI_COMMIT_BRANCH']),
  'commit.link': same(['DRONE_COMMIT_LINK'], ['CI_PIPELINE_FORGE_URL']),
  'commit.message': same(['DRONE_COMMIT_MESSAGE'], ['CI_COMMIT_MESSAGE']),
  'commit.author.username': same(['DRONE_COMMIT_AUTHOR'], ['CI_COMMIT_AUTHOR']),
  // Woodpecker has one author variable (the forge's user name); its compat layer copies it to both.
  'commit.author.name': same(['DRONE_COMMIT_AUTHOR_NAME'], ['CI_COMMIT_AUTHOR']),
  'commit.author.email': same(['DRONE_COMMIT_AUTHOR_EMAIL'], ['CI_COMMIT_AUTHOR_EMAIL']),
  'commit.author.avatar': same(
    ['DRONE_COMMIT_AUTHOR_AVATAR'],
    ['CI_PIPELINE_AVATAR', 'CI_COMMIT_AUTHOR_AVATAR'],
  ),
  tag: same(['DRONE_TAG'], ['CI_COMMIT_TAG']),
  pullRequest: same(['DRONE_PULL_REQUEST'], ['CI_COMMIT_PULL_REQUEST']),
  'build.number': {
    drone: ['DRONE_BUILD_NUMBER'],
    woodpecker: ['CI_PIPELINE_NUMBER'],
    harness: ['HARNESS_BUILD_ID', 'DRONE_BUILD_NUMBER'],
  },
  'build.event': same(['DRONE_BUILD_EVENT'], ['CI_PIPELINE_EVENT']),
  'build.link': {
    drone: ['DRONE_BUILD_LINK'],
    woodpecker: ['CI_PIPELINE_URL'],
    harness: ['CI_BUILD_LINK', 'DRONE_BUILD_LINK'],
  },
  // Woodpecker sets CI_PIPELINE_STATUS from 3.15 (the status before the step started); never DRONE_BUILD_STATUS.
  'build.status': {
    drone: ['DRONE_BUILD_STATUS'],
    woodpecker: ['CI_PIPELINE_STATUS'],
    harness: ['CI_BUILD_STATUS', 'DRONE_BUILD_STATUS'],
  },
  'build.created': same(['DRONE_BUILD_CREATED'], ['CI_PIPELINE_CREATED']),
  'build.started': same(['DRONE_BUILD_STARTED'], ['CI_PIPELINE_STARTED']),
  // Harness sets DRONE_BUILD_FINISHED to the created time while the build runs: not a finish time.
  'build.finished': { drone: ['DRONE_BUILD_FINISHED'], woodpecker: [], harness: [] },
  // Harness has no parent build (its docs list DRONE_BUILD_PARENT as unsupported).
  'build.parent': { drone: ['DRONE_BUILD_PARENT'], woodpecker: ['CI_PIPELINE_PARENT'], harness: [] },
  'stage.name': same(['DRONE_STAGE_NAME'], ['CI_WORKFLOW_NAME']),
  // Harness's DRONE_STAGE_NUMBER is the stage's identifier, a name: read as a number it is absent.
  'stage.number': same(['DRONE_STAGE_NUMBER'], ['CI_WORKFLOW_NUMBER']),
  'stage.started': same(['DRONE_STAGE_STARTED', 'DRONE_JOB_STARTED'], []),
  'step.name': same(['DRONE_STEP_NAME'], ['CI_STEP_NAME']),
  'step.number': same(['DRONE_STEP_NUMBER'], ['CI_STEP_NUMBER']),
  failedSteps: same(['DRONE_FAILED_STEPS'], []),
  failedStages: same(['DRONE_FAILED_STAGES'], []),
  // Harness does not set DRONE_DEPLOY_TO (its docs list it as unsupported), but a pipeline may
  // set it as a stage variable to pick rollback's `targets`; Woodpecker's `deployment` event has one.
  'deploy.to': same(['DRONE_DEPLOY_TO'], ['CI_PIPELINE_DEPLOY_TARGET']),
  'deploy.id': { drone: ['DRONE_DEPLOY_ID'], woodpecker: [], harness: [] },
  'previous.status': {
    drone: ['DRONE_PREV_BUILD_STATUS'],
    woodpecker: ['CI_PREV_PIPELINE_STATUS'],
    harness: [],
  },
  'previous.number': {
    drone: ['DRONE_PREV_BUILD_NUMBER'],
    woodpecker: ['CI_PREV_PIPELINE_NUMBER'],
    harness: [],
  },
  'system.host': same(['DRONE_SYSTEM_HOST'], ['CI_SYSTEM_HOST']),
  'system.proto': same(['DRONE_SYSTEM_PROTO'], []),
  'system.link': { drone: ['DRONE_SYSTEM_LINK'], woodpecker: ['CI_SYSTEM_URL'], harness: [] },
};
