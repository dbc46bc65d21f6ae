// rollback: put workloads on one or many clusters back to an earlier revision — the
// previous one, a revision number, or the one a Drone build deployed — after printing the
// plan and checking that every cluster has that revision, so a half-done rollback can't happen.
import { cancellation } from '../../common/cancel.ts';
import { type BuildContext, readBuildContext } from '../../common/ci.ts';
import type { GoogleClient, GoogleClientOptions } from '../../common/gcp/auth.ts';
import { resolveClusters } from '../../common/kube/access.ts';
import { createKubectl, type Kubectl } from '../../common/kube/kubectl.ts';
import type { ClusterLock } from '../../common/kube/lease-lock.ts';
import { publishSummary } from '../../common/kube/publish.ts';
import { buildFields, type SummaryEnvelope } from '../../common/kube/summary.ts';
import type { ClusterTarget } from '../../common/kube/target.ts';
import { type BaseDeps, withBaseDeps } from '../../common/plugin.ts';
import type { Env } from '../../common/settings.ts';
import { writeSummary } from '../../common/summary.ts';
import { lockClusters, unlockClusters } from './guard.ts';
import { planRollback } from './plan.ts';
import { repairAbandoned } from './repair.ts';
import { reportRollback, summarize } from './report.ts';
import { restoreAll } from './restore.ts';
import { describeRestorePoint } from './restore-point.ts';
import { resolveSettings, type Settings } from './settings.ts';

export type { Settings };

export interface Deps extends BaseDeps {
  kubectl: string;
  googleClient?: (opts: GoogleClientOptions) => Promise<GoogleClient>;
  workspace: string;
  pollMs: number;
}

function withDeps(partial: Partial<Deps>): Deps {
  const base = withBaseDeps<Deps>(partial);
  return { kubectl: 'kubectl', workspace: process.cwd(), pollMs: 1000, ...base } as Deps;
}

interface Run {
  s: Settings;
  ctx: BuildContext;
  deps: Deps;
  kubectl: Kubectl;
  started: number;
}

/** Plan, then (unless a dry run) undo everywhere at once, wait for health, and report. */
async function rollBackPlanned(r: Run, targets: readonly ClusterTarget[], locks: readonly ClusterLock[]) {
  const { s, deps, kubectl } = r;
  const envelope = (result: SummaryEnvelope['result']): SummaryEnvelope => ({
    plugin: 'rollback',
    result,
    started: r.started,
    finished: deps.now(),
    build: buildFields(r.ctx),
  });
  deps.log.section('Plan');
  const entries = await planRollback(kubectl, targets, s.workloads, s.restorePoint, deps);
  if (s.dry_run) {
    writeSummary(s.summaryFile, summarize(envelope('dry_run'), entries, new Map()));
    deps.log.info('dry run: nothing was changed');
    return;
  }
  deps.log.section('Rollback');
  const outcomes = await restoreAll(targets, entries, {
    kubectl,
    log: deps.log,
    deadline: deps.now() + s.timeoutMs,
    pollMs: deps.pollMs,
    now: deps.now,
    signal: deps.signal,
    cancelGraceMs: s.cancelGraceMs,
  });
  const failed = [...outcomes.values()].some((o) => o.result === 'failed' || o.result === 'cancelled');
  if (!failed) await Promise.all(locks.filter((l) => l.abandoned).map((l) => l.clearRecord()));
  const cancelledBy = cancellation(deps.signal)?.signal;
  const result = cancelledBy ? 'cancelled' : failed ? 'failed' : 'rolled_back';
  reportRollback(summarize(envelope(result), entries, outcomes), outcomes, {
    summaryFile: s.summaryFile,
    log: deps.log,
    elapsedMs: deps.now() - r.started,
    namespace: targets[0]?.namespace,
    cancelledBy,
  });
}

/** Access every cluster, lock it, and repair an abandoned deploy or roll back as planned. */
async function rollBack(s: Settings, ctx: BuildContext, deps: Deps, started: number): Promise<void> {
  const kubectl = createKubectl(deps.exec, deps.kubectl);
  deps.log.section('Clusters');
  const access = await resolveClusters(s, s.source, deps);
  let locks: ClusterLock[] = [];
  try {
    const { targets } = access;
    deps.log.info(
      `${targets.length} cluster(s): ${targets.map((t) => `${t.id} (namespace ${t.namespace})`).join(', ')}; going back to ${describeRestorePoint(s.restorePoint)}`,
    );
    locks = await lockClusters(kubectl, targets, s, ctx, deps);
    // Asked for nothing in particular, and a deploy was killed half way: repair exactly that.
    if (s.restorePoint.kind === 'previous' && !s.workloads && locks.some((l) => l.abandoned)) {
      await repairAbandoned(kubectl, locks, s, ctx, deps, started);
      return;
    }
    await rollBackPlanned({ s, ctx, deps, kubectl, started }, targets, locks);
  } finally {
    await unlockClusters(locks, deps);
    access.close();
  }
}

export async function run(env: Env, partial: Partial<Deps> = {}): Promise<void> {
  const deps = withDeps(partial);
  const started = deps.now();
  const ctx = readBuildContext(env);
  const s = resolveSettings(env, ctx, deps);
  try {
    await rollBack(s, ctx, deps, started);
  } finally {
    // Harness's output variables and Drone's card, from the summary this run wrote.
    publishSummary(env, { summaryFile: s.summaryFile, started }, deps.log);
  }
}
