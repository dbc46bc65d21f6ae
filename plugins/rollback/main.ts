// rollback: put workloads on one or many clusters back to an earlier revision — the
// previous one, a revision number, or the one a Drone build deployed — after printing the
// plan and checking that every cluster has the target, so a half-done rollback can't happen.
import { resolve } from 'node:path';
import { CancelledError, cancellation, graceAfter, throwIfCancelled } from '../../common/cancel.ts';
import { type DroneContext, readDroneContext } from '../../common/drone.ts';
import { formatDuration, parseDuration } from '../../common/duration.ts';
import { ClusterFailuresError, errorMessage, LockError, PluginError } from '../../common/errors.ts';
import type { GoogleClient, GoogleClientOptions } from '../../common/gcp/auth.ts';
import { resolveClusters } from '../../common/kube/access.ts';
import { readHistory } from '../../common/kube/history.ts';
import { createKubectl, type Kubectl } from '../../common/kube/kubectl.ts';
import {
  acquireLocks,
  type ClusterLock,
  holderFrom,
  type LockMode,
  releaseLocks,
} from '../../common/kube/lock.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../common/kube/provenance.ts';
import { undoRollout, waitForRollouts } from '../../common/kube/rollout.ts';
import { settleAll } from '../../common/kube/settle.ts';
import { type ClusterTarget, targetFields } from '../../common/kube/target.ts';
import {
  type KubeList,
  type KubeObject,
  parseWorkloadRefs,
  refKey,
  type WorkloadRef,
} from '../../common/kube/workloads.ts';
import { type BaseDeps, readSettingsWithSources, withBaseDeps } from '../../common/plugin.ts';
import type { Env } from '../../common/settings.ts';
import {
  type ClusterResult,
  type DeploySummary,
  SUMMARY_VERSION,
  writeSummary,
} from '../../common/summary.ts';
import { renderTable } from '../../common/summary-table.ts';
import { applyDeployTarget, checkSettings } from './checks.ts';
import { describeTarget, type PlanEntry, planFor, renderPlan, type Target } from './plan.ts';
import { repairAbandoned } from './repair.ts';
import { schema } from './schema.ts';
import type { Settings } from './settings.ts';

export type { Settings };

export interface Deps extends BaseDeps {
  kubectl: string;
  googleClient?: (opts: GoogleClientOptions) => Promise<GoogleClient>;
  workspace: string;
  pollMs: number;
}

function defaults(partial: Partial<Deps>): Deps {
  const base = withBaseDeps<Deps>(partial);
  return { kubectl: 'kubectl', workspace: process.cwd(), pollMs: 1000, ...base } as Deps;
}

const DEPLOY_EVENTS = new Set(['rollback', 'promote']);

function targetOf(s: Settings, ctx: DroneContext): Target {
  if (s.to_revision !== undefined) return { kind: 'revision', revision: s.to_revision };
  if (s.to_build !== undefined) return { kind: 'build', build: s.to_build };
  // `drone build rollback <repo> <build> <target>` re-runs build <build>: go back to what it deployed.
  if (DEPLOY_EVENTS.has(ctx.build.event) && ctx.build.parent !== undefined)
    return { kind: 'build', build: ctx.build.parent };
  return { kind: 'previous' };
}

async function workloadsOn(
  kubectl: Kubectl,
  t: ClusterTarget,
  wanted: WorkloadRef[] | undefined,
): Promise<KubeObject[]> {
  const kinds = 'deployments,statefulsets,daemonsets';
  const args = wanted ? ['get', kinds] : ['get', kinds, '-l', `${MANAGED_BY_LABEL}=${MANAGED_BY}`];
  const list = await kubectl.json<KubeList>(t, args, { namespace: t.namespace });
  if (!wanted) return list.items;
  return wanted.map((w) => {
    const o = list.items.find((x) => x.kind === w.kind && x.metadata.name === w.name);
    if (!o) throw new Error(`${refKey(w)} does not exist in namespace ${t.namespace}`);
    return o;
  });
}

export async function run(env: Env, partial: Partial<Deps> = {}): Promise<void> {
  const deps = defaults(partial);
  const { log } = deps;
  const started = deps.now();
  const loaded = readSettingsWithSources<Settings>(schema, env, log, checkSettings(env, deps.workspace));
  const { source } = loaded;
  const ctx = readDroneContext(env);
  const s = applyDeployTarget(loaded.settings, ctx, source);
  let wanted: WorkloadRef[] | undefined;
  if (s.deployments) {
    wanted = parseWorkloadRefs(s.deployments, 'deployments', source('deployments')).refs;
  }
  const target = targetOf(s, ctx);
  const summaryFile = resolve(deps.workspace, s.summary_file);
  const kubectl = createKubectl(deps.exec, deps.kubectl);

  log.section('Clusters');
  const access = await resolveClusters(s, source, deps);
  let locks: ClusterLock[] = [];
  try {
    const { targets } = access;
    log.info(
      `${targets.length} cluster(s): ${targets.map((t) => `${t.id} (namespace ${t.namespace})`).join(', ')}; going back to ${describeTarget(target)}`,
    );
    try {
      locks = await acquireLocks(kubectl, targets, holderFrom('rollback', ctx), {
        mode: s.dry_run ? 'off' : (s.lock as LockMode),
        timeoutMs: parseDuration(s.lock_timeout),
        log,
        signal: deps.signal,
        now: deps.now,
      });
    } catch (err) {
      if (!(err instanceof LockError)) throw err;
      throw new PluginError(err.describe('could not plan the rollback', '; nothing was changed'));
    }
    // Asked for nothing in particular, and a deploy was killed half way: repair exactly that.
    if (target.kind === 'previous' && !wanted && locks.some((l) => l.abandoned)) {
      await repairAbandoned(kubectl, locks, s, ctx, deps, summaryFile, started);
      return;
    }

    // 1. The plan, for every cluster, before anything changes.
    log.section('Plan');
    let planned: PlanEntry[][];
    try {
      planned = await settleAll(
        targets,
        (t) => t.id,
        async (t) => {
          const [workloads, history] = await Promise.all([
            workloadsOn(kubectl, t, wanted),
            readHistory(kubectl, t),
          ]);
          if (workloads.length === 0)
            throw new Error(
              `no workloads managed by gke-deploy in namespace ${t.namespace}; name them in "deployments"`,
            );
          return planFor(t, workloads, history, target);
        },
        { firstLine: true },
      );
    } catch (err) {
      throwIfCancelled(deps.signal, 'while planning; nothing was changed');
      if (!(err instanceof ClusterFailuresError)) throw err;
      throw new PluginError(err.describe('could not plan the rollback', '; nothing was changed'));
    }
    throwIfCancelled(deps.signal, 'while planning; nothing was changed');
    const entries = planned.flat();
    log.info(renderPlan(entries));
    const missing = entries.filter((e) => e.missing);
    if (missing.length > 0) {
      throw new PluginError(
        `${describeTarget(target)} is missing for ${missing.length} workload(s); nothing was changed:\n${missing.map((e) => `  - ${e.cluster.id} ${e.key} ${e.missing}`).join('\n')}\nPick a target every cluster has: see the plan above (to_revision or to_build).`,
      );
    }
    if (s.dry_run) {
      writeSummary(summaryFile, summarize(entries, new Map(), 'dry_run', ctx, started, deps.now()));
      log.info('dry run: nothing was changed');
      return;
    }

    // 2. Undo everywhere at once, then wait for every cluster to be healthy.
    log.section('Rollback');
    const deadline = deps.now() + parseDuration(s.timeout);
    // Cancelled: the undo commands already given stand; wait for health no longer than cancel_grace.
    const graceSignal = graceAfter(deps.signal, parseDuration(s.cancel_grace));
    const outcome = new Map<string, { result: ClusterResult; error?: string }>();
    await Promise.all(
      targets.map(async (t) => {
        const mine = entries.filter((e) => e.cluster === t && e.target?.revision !== e.current?.revision);
        try {
          for (const e of mine) {
            await undoRollout(
              kubectl,
              t,
              { kind: e.workload.kind as WorkloadRef['kind'], name: e.workload.metadata.name },
              e.target?.revision,
            );
            log.info(`[${t.id}] ${e.key} going back to revision ${e.target?.revision}`);
          }
          const refs = mine.map((e) => ({
            kind: e.workload.kind as WorkloadRef['kind'],
            name: e.workload.metadata.name,
          }));
          const w = await waitForRollouts(kubectl, t, refs, log, {
            deadline,
            pollMs: deps.pollMs,
            now: deps.now,
            signal: graceSignal,
          });
          if (!w.ok) throw new Error(w.reason);
          outcome.set(t.id, { result: mine.length > 0 ? 'rolled_back' : 'unchanged' });
        } catch (err) {
          const result = cancellation(deps.signal) ? 'cancelled' : 'failed';
          outcome.set(t.id, { result, error: errorMessage(err).split('\n')[0] as string });
        }
      }),
    );
    const failed = [...outcome.values()].some((o) => o.result === 'failed' || o.result === 'cancelled');
    if (!failed) await Promise.all(locks.filter((l) => l.abandoned).map((l) => l.clearRecord()));
    const cancelled = cancellation(deps.signal);
    const result = cancelled ? 'cancelled' : failed ? 'failed' : 'rolled_back';
    const summary = summarize(entries, outcome, result, ctx, started, deps.now());
    writeSummary(summaryFile, summary);
    log.section('Result');
    log.info(renderTable(summary));
    log.info(`${failed ? 'rollback failed' : 'rolled back'} in ${formatDuration(deps.now() - started)}`);
    if (cancelled) {
      const between = [...outcome].filter(([, o]) => o.result === 'cancelled').map(([id]) => id);
      throw new CancelledError(
        cancelled.signal,
        between.length > 0
          ? `cancelled by ${cancelled.signal}: ${between.join(', ')} may be between two revisions (the rollback was started, not confirmed healthy within cancel_grace); run rollback again to finish it`
          : `cancelled by ${cancelled.signal} after every cluster was back and healthy`,
      );
    }
    if (failed) {
      const why = [...outcome]
        .filter(([, o]) => o.error)
        .map(([id, o]) => `${id}: ${o.error}`)
        .join('; ');
      throw new PluginError(
        `the rollback did not bring every cluster back healthy: ${why}. Look at the pods (kubectl get pods -n ${targets[0]?.namespace}) and run rollback again, or pick another to_build`,
      );
    }
  } finally {
    // A record this run did not clear (a failed repair) stays for the next run.
    await releaseLocks(locks, log, (l) => l.abandoned !== undefined);
    access.close();
  }
}

function summarize(
  entries: readonly PlanEntry[],
  outcome: Map<string, { result: ClusterResult; error?: string }>,
  result: DeploySummary['result'],
  ctx: DroneContext,
  started: number,
  finished: number,
): DeploySummary {
  const clusters = [...new Set(entries.map((e) => e.cluster))].map((t) => {
    const o = outcome.get(t.id);
    return {
      ...targetFields(t),
      result: o?.result ?? ('unchanged' as const),
      ...(o?.error ? { error: o.error } : {}),
      workloads: entries
        .filter((e) => e.cluster === t)
        .map((e) => ({
          kind: e.workload.kind,
          name: e.workload.metadata.name,
          imagesBefore: e.current?.images ?? [],
          imagesAfter: e.target?.images ?? [],
          ...(e.current ? { revisionBefore: e.current.revision } : {}),
          ...(e.target ? { revisionAfter: e.target.revision } : {}),
          ...(e.current?.build !== undefined ? { buildBefore: e.current.build } : {}),
          ...(e.target?.build !== undefined ? { buildAfter: e.target.build } : {}),
        })),
    };
  });
  return {
    version: SUMMARY_VERSION,
    plugin: 'rollback',
    result,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    build: {
      ...(ctx.build.number !== undefined ? { number: ctx.build.number } : {}),
      ...(ctx.commit.sha ? { commit: ctx.commit.sha } : {}),
      ...(ctx.build.link ? { link: ctx.build.link } : {}),
      ...(ctx.deploy.to ? { deployTo: ctx.deploy.to } : {}),
    },
    images: [...new Set(entries.flatMap((e) => e.target?.images ?? []))],
    clusters,
  };
}
