// The build context — repository, commit, build, deploy target — read once from whichever CI
// runs the step: Drone, Woodpecker or Harness CI. Which one is decided by what the
// environment says about itself (detectSystem); the variables each field comes from, per
// system, are in ci-variables.ts. Plugins read the context only through readBuildContext.
import { CI_VARIABLES, type CiSystem, type Field } from './ci-variables.ts';
import type { Env } from './settings.ts';

export type { CiSystem, Field };

export type BuildStatus = 'success' | 'failure' | 'fixed';

export interface BuildContext {
  /** The CI system the variables came from (drone also when run by hand: no variables at all). */
  ci: CiSystem;
  repo: { slug: string; owner: string; name: string; link: string; branch: string };
  commit: {
    sha: string;
    ref: string;
    branch: string;
    link: string;
    message: string;
    author: { username: string; name: string; email: string; avatar: string };
  };
  tag: string;
  pullRequest: string;
  build: {
    number: number | undefined;
    event: string;
    link: string;
    /** The status as the CI wrote it ('success', 'failure', ...); Drone's may lag in parallel pipelines. */
    status: string;
    created: number | undefined;
    started: number | undefined;
    finished: number | undefined;
    parent: number | undefined;
  };
  stage: { name: string; number: number | undefined; started: number | undefined };
  step: { name: string; number: number | undefined };
  failedSteps: string[];
  failedStages: string[];
  deploy: { to: string; id: string };
  previous: { status: string; number: number | undefined };
  system: { host: string; proto: string; link: string };
}

/**
 * Which CI runs the step. Woodpecker sets CI=woodpecker (and CI_SYSTEM_NAME); Harness sets
 * HARNESS_BUILD_ID and its other HARNESS_* identifiers beside Drone's names; anything else
 * (Drone, or a docker run by hand) is read as Drone.
 */
export function detectSystem(env: Env): CiSystem {
  if (env.CI === 'woodpecker' || env.CI_SYSTEM_NAME === 'woodpecker') return 'woodpecker';
  if (nonEmpty(env.HARNESS_BUILD_ID) || nonEmpty(env.HARNESS_EXECUTION_ID)) return 'harness';
  return 'drone';
}

const nonEmpty = (v: string | undefined): v is string => v !== undefined && v !== '';

function reader(env: Env, system: CiSystem) {
  const str = (field: Field): string => CI_VARIABLES[field][system].map((n) => env[n]).find(nonEmpty) ?? '';
  const int = (field: Field): number | undefined => {
    const v = str(field);
    return /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const list = (field: Field): string[] =>
    str(field)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return { str, int, list };
}

/** The system's link when it gives none: Drone's host and protocol; Woodpecker's host alone says no protocol. */
function systemOf(str: (f: Field) => string): BuildContext['system'] {
  const host = str('system.host');
  const proto = str('system.proto') || 'https';
  return { host, proto, link: str('system.link') || (host ? `${proto}://${host}` : '') };
}

export function readBuildContext(env: Env): BuildContext {
  const ci = detectSystem(env);
  const { str, int, list } = reader(env, ci);
  const slug = str('repo.slug');
  const [owner = '', name = ''] = slug.split('/');
  return {
    ci,
    repo: {
      slug,
      owner: str('repo.owner') || owner,
      name: str('repo.name') || name,
      link: str('repo.link'),
      branch: str('repo.branch'),
    },
    commit: {
      sha: str('commit.sha'),
      ref: str('commit.ref'),
      branch: str('commit.branch'),
      link: str('commit.link'),
      message: str('commit.message'),
      author: {
        username: str('commit.author.username'),
        name: str('commit.author.name'),
        email: str('commit.author.email'),
        avatar: str('commit.author.avatar'),
      },
    },
    tag: str('tag'),
    pullRequest: str('pullRequest'),
    build: {
      number: int('build.number'),
      event: str('build.event'),
      link: str('build.link'),
      status: str('build.status'),
      created: int('build.created'),
      started: int('build.started'),
      finished: int('build.finished'),
      // Drone and Woodpecker write 0 for a build without a parent; build numbers start at 1.
      parent: int('build.parent') || undefined,
    },
    stage: { name: str('stage.name'), number: int('stage.number'), started: int('stage.started') },
    step: { name: str('step.name'), number: int('step.number') },
    failedSteps: list('failedSteps'),
    failedStages: list('failedStages'),
    deploy: { to: str('deploy.to'), id: str('deploy.id') },
    previous: { status: str('previous.status'), number: int('previous.number') },
    system: systemOf(str),
  };
}

/** The variable a field is read from first under `ci`, for messages ("has no entry for CI_PIPELINE_DEPLOY_TARGET ..."). */
export function variableOf(ci: CiSystem, field: Field): string {
  return CI_VARIABLES[field][ci][0] ?? CI_VARIABLES[field].drone[0] ?? field;
}

// Drone writes failure, error or killed; Harness's stage status says failed (or false).
const FAILED = new Set(['failure', 'error', 'killed', 'failed']);

/**
 * The build's real status. Drone's DRONE_BUILD_STATUS says "success" while a step of a
 * parallel pipeline has already failed, so a non-empty DRONE_FAILED_STEPS (or
 * DRONE_FAILED_STAGES) means failure. A success after a failed previous build is "fixed".
 */
export function deriveStatus(ctx: BuildContext): BuildStatus {
  const failed = FAILED.has(ctx.build.status) || ctx.failedSteps.length > 0 || ctx.failedStages.length > 0;
  if (failed) return 'failure';
  return FAILED.has(ctx.previous.status) ? 'fixed' : 'success';
}

/** Whether the plugin runs inside a CI at all (false when run by hand with docker run). */
export function inCi(env: Env): boolean {
  return (
    env.DRONE === 'true' ||
    detectSystem(env) !== 'drone' ||
    CI_VARIABLES['build.number'].drone.some((n) => nonEmpty(env[n]))
  );
}
