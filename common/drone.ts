// A typed view of the DRONE_* variables that Drone injects into every step.
import type { Env } from './settings.ts';

export type BuildStatus = 'success' | 'failure' | 'fixed';

export interface DroneContext {
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
    /** DRONE_BUILD_STATUS as Drone wrote it ('success' or 'failure'); may lag in parallel pipelines. */
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

const str = (env: Env, ...names: string[]): string => {
  for (const n of names) {
    const v = env[n];
    if (v !== undefined && v !== '') return v;
  }
  return '';
};

const int = (env: Env, ...names: string[]): number | undefined => {
  const v = str(env, ...names);
  return /^\d+$/.test(v) ? Number(v) : undefined;
};

const list = (env: Env, name: string): string[] =>
  str(env, name)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

export function readDroneContext(env: Env): DroneContext {
  const slug = str(env, 'DRONE_REPO');
  const [owner = '', name = ''] = slug.split('/');
  const host = str(env, 'DRONE_SYSTEM_HOST');
  const proto = str(env, 'DRONE_SYSTEM_PROTO') || 'https';
  return {
    repo: {
      slug,
      owner: str(env, 'DRONE_REPO_OWNER', 'DRONE_REPO_NAMESPACE') || owner,
      name: str(env, 'DRONE_REPO_NAME') || name,
      link: str(env, 'DRONE_REPO_LINK'),
      branch: str(env, 'DRONE_REPO_BRANCH'),
    },
    commit: {
      sha: str(env, 'DRONE_COMMIT_SHA', 'DRONE_COMMIT'),
      ref: str(env, 'DRONE_COMMIT_REF'),
      branch: str(env, 'DRONE_COMMIT_BRANCH', 'DRONE_BRANCH'),
      link: str(env, 'DRONE_COMMIT_LINK'),
      message: str(env, 'DRONE_COMMIT_MESSAGE'),
      author: {
        username: str(env, 'DRONE_COMMIT_AUTHOR'),
        name: str(env, 'DRONE_COMMIT_AUTHOR_NAME'),
        email: str(env, 'DRONE_COMMIT_AUTHOR_EMAIL'),
        avatar: str(env, 'DRONE_COMMIT_AUTHOR_AVATAR'),
      },
    },
    tag: str(env, 'DRONE_TAG'),
    pullRequest: str(env, 'DRONE_PULL_REQUEST'),
    build: {
      number: int(env, 'DRONE_BUILD_NUMBER'),
      event: str(env, 'DRONE_BUILD_EVENT'),
      link: str(env, 'DRONE_BUILD_LINK'),
      status: str(env, 'DRONE_BUILD_STATUS'),
      created: int(env, 'DRONE_BUILD_CREATED'),
      started: int(env, 'DRONE_BUILD_STARTED'),
      finished: int(env, 'DRONE_BUILD_FINISHED'),
      // Drone writes 0 for a build without a parent; build numbers start at 1.
      parent: int(env, 'DRONE_BUILD_PARENT') || undefined,
    },
    stage: {
      name: str(env, 'DRONE_STAGE_NAME'),
      number: int(env, 'DRONE_STAGE_NUMBER'),
      started: int(env, 'DRONE_STAGE_STARTED', 'DRONE_JOB_STARTED'),
    },
    step: { name: str(env, 'DRONE_STEP_NAME'), number: int(env, 'DRONE_STEP_NUMBER') },
    failedSteps: list(env, 'DRONE_FAILED_STEPS'),
    failedStages: list(env, 'DRONE_FAILED_STAGES'),
    deploy: { to: str(env, 'DRONE_DEPLOY_TO'), id: str(env, 'DRONE_DEPLOY_ID') },
    previous: { status: str(env, 'DRONE_PREV_BUILD_STATUS'), number: int(env, 'DRONE_PREV_BUILD_NUMBER') },
    system: { host, proto, link: str(env, 'DRONE_SYSTEM_LINK') || (host ? `${proto}://${host}` : '') },
  };
}

const FAILED = new Set(['failure', 'error', 'killed']);

/**
 * The build's real status. DRONE_BUILD_STATUS says "success" while a step of a parallel
 * pipeline has already failed, so a non-empty DRONE_FAILED_STEPS (or DRONE_FAILED_STAGES)
 * means failure. A success after a failed previous build is "fixed".
 */
export function deriveStatus(ctx: DroneContext): BuildStatus {
  const failed = FAILED.has(ctx.build.status) || ctx.failedSteps.length > 0 || ctx.failedStages.length > 0;
  if (failed) return 'failure';
  return FAILED.has(ctx.previous.status) ? 'fixed' : 'success';
}

/** Whether the plugin runs inside Drone at all (false when run by hand with docker run). */
export function inDrone(env: Env): boolean {
  return env.DRONE === 'true' || str(env, 'DRONE_BUILD_NUMBER') !== '';
}
