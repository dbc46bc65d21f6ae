// What the default message says about the build, taken from the build context once.
import type { BuildContext, BuildStatus } from '../../common/ci.ts';

export interface BuildFacts {
  status: BuildStatus;
  repo: { slug: string; link: string };
  ref: { kind: 'branch' | 'tag' | 'pull request'; name: string };
  commit: { sha: string; short: string; link: string; title: string; author: string };
  build: { number: number | undefined; link: string; event: string; deployTo: string };
  /** Seconds since the build started (Drone sets no finish time while the build runs). */
  durationMs: number | undefined;
  started: number | undefined;
  failedSteps: string[];
  failedStages: string[];
}

function authorOf(ctx: BuildContext): string {
  const { name, username, email } = ctx.commit.author;
  if (name && username && name !== username) return `${name} (${username})`;
  return name || username || email;
}

export function firstLine(message: string): string {
  return (message.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').trim();
}

export function collectFacts(ctx: BuildContext, status: BuildStatus, nowMs: number): BuildFacts {
  const slug = ctx.repo.slug || [ctx.repo.owner, ctx.repo.name].filter(Boolean).join('/');
  const ref: BuildFacts['ref'] = ctx.tag
    ? { kind: 'tag', name: ctx.tag }
    : ctx.pullRequest
      ? { kind: 'pull request', name: `#${ctx.pullRequest}` }
      : { kind: 'branch', name: ctx.commit.branch };
  const started = ctx.build.started || ctx.build.created || undefined;
  // A finish time equal to the start says nothing (drone exec sets both when it starts):
  // the build is still running, so the duration runs to now.
  const endSec =
    ctx.build.finished && started && ctx.build.finished > started ? ctx.build.finished : undefined;
  const durationMs =
    started === undefined ? undefined : Math.max(0, (endSec ? endSec * 1000 : nowMs) - started * 1000);
  return {
    status,
    repo: { slug, link: ctx.repo.link },
    ref,
    commit: {
      sha: ctx.commit.sha,
      short: ctx.commit.sha.slice(0, 8),
      link: ctx.commit.link,
      title: firstLine(ctx.commit.message),
      author: authorOf(ctx),
    },
    build: {
      // Build numbers start at 1; drone exec runs a pipeline as build 0, which is no build.
      number: ctx.build.number || undefined,
      link: ctx.build.link,
      event: ctx.build.event,
      deployTo: ctx.deploy.to,
    },
    durationMs,
    started,
    failedSteps: ctx.failedSteps,
    failedStages: ctx.failedStages,
  };
}
