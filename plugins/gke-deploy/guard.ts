// What keeps a deploy safe beside others and across a kill: the namespaces it creates, the
// deploy lock of every cluster, the repair of a deploy that died half way, and the record
// this run leaves on each cluster before it applies anything.
import { errorMessage, LockError, PluginError } from '../../common/errors.ts';
import { handleAllAbandoned, type OnAbandoned } from '../../common/kube/abandoned.ts';
import type { Kubectl } from '../../common/kube/kubectl.ts';
import type { DeployRecord, Holder } from '../../common/kube/lease.ts';
import type { ClusterLock } from '../../common/kube/lease-lock.ts';
import { acquireLocks, type LockMode, releaseLocks } from '../../common/kube/lock.ts';
import type { ClusterTarget } from '../../common/kube/target.ts';
import { refKey } from '../../common/kube/workloads.ts';
import type { Logger } from '../../common/log.ts';
import { ensureNamespace, removeNamespace } from './cluster-ops.ts';
import type { ClusterPlan, ClusterRun } from './report.ts';

export interface GuardOptions {
  lock: LockMode;
  lockTimeoutMs: number;
  onAbandoned: OnAbandoned;
  createNamespace: boolean;
  timeoutMs: number;
  pollMs: number;
  now: () => number;
  signal: AbortSignal;
  log: Logger;
}

export interface Guard {
  locks: ClusterLock[];
  /** Namespaces this run created, by cluster id. */
  created: Set<string>;
  /** Writes this run's record on every cluster, before anything is applied. */
  record(
    plans: readonly ClusterPlan[],
    holder: Holder,
    images: readonly string[],
    startedAt: number,
  ): Promise<void>;
  /** Removes the namespaces this run created (nothing was applied); returns a sentence for the log. */
  undoNamespaces(): Promise<string>;
  /** Gives the locks back; the record stays on clusters whose rollback was not confirmed. */
  release(runs: readonly ClusterRun[]): Promise<void>;
  /** Gives the locks back keeping any record this run wrote (no-op after release). */
  releaseAfterError(): Promise<void>;
}

/** Creates the namespace where it is missing; the ids of the clusters where this run created it. */
async function createNamespaces(
  kubectl: Kubectl,
  targets: readonly ClusterTarget[],
  log: Logger,
): Promise<Set<string>> {
  const made = await Promise.all(targets.map((t) => ensureNamespace(kubectl, t, log)));
  return new Set(targets.filter((_, i) => made[i]).map((t) => t.id));
}

/** Removes the namespaces this run created (in `created`, emptied); a sentence for the log. */
async function removeNamespaces(
  kubectl: Kubectl,
  targets: readonly ClusterTarget[],
  created: Set<string>,
): Promise<string> {
  const mine = targets.filter((t) => created.has(t.id));
  if (mine.length === 0) return '';
  const removed = await Promise.allSettled(mine.map((t) => removeNamespace(kubectl, t)));
  const kept = mine.filter((_, i) => removed[i]?.status === 'rejected').map((t) => t.id);
  created.clear();
  return kept.length > 0
    ? `; namespace ${mine[0]?.namespace} was created on ${mine.map((t) => t.id).join(', ')} and could not be removed from ${kept.join(', ')}`
    : `; the namespace this run created on ${mine.map((t) => t.id).join(', ')} was removed again`;
}

/** Takes every lock, then repairs what a dead run left (on_abandoned); throws with the locks given back. */
async function lockAndRepair(
  kubectl: Kubectl,
  targets: readonly ClusterTarget[],
  holder: Holder,
  o: GuardOptions,
): Promise<ClusterLock[]> {
  let locks: ClusterLock[] = [];
  try {
    locks = await acquireLocks(kubectl, targets, holder, {
      mode: o.lock,
      timeoutMs: o.lockTimeoutMs,
      log: o.log,
      signal: o.signal,
      now: o.now,
    });
    await handleAllAbandoned(kubectl, locks, {
      mode: o.onAbandoned,
      log: o.log,
      deadline: o.now() + o.timeoutMs,
      pollMs: o.pollMs,
      now: o.now,
      signal: o.signal,
      setting: 'on_abandoned',
    });
    return locks;
  } catch (err) {
    // A repair that did not finish keeps its record: the next run tries again.
    await releaseLocks(locks, o.log, (l) => l.abandoned !== undefined);
    throw err;
  }
}

/** The record this run leaves on one cluster before applying: what each workload was before. */
function recordOf(
  plan: ClusterPlan | undefined,
  holder: Holder,
  images: readonly string[],
  startedAt: number,
): DeployRecord {
  return {
    holder,
    startedAt: new Date(startedAt).toISOString(),
    images: [...images],
    workloads: (plan?.refs ?? []).map((ref) => {
      const b = plan?.before.get(refKey(ref));
      return {
        kind: ref.kind,
        name: ref.name,
        existed: b?.exists ?? false,
        revision: b?.revision,
        images: b?.images ?? [],
        build: b?.build,
      };
    }),
  };
}

/**
 * Creates missing namespaces (create_namespace), takes every cluster's lock, and deals with
 * what a dead run left behind (on_abandoned). Throws with the locks given back.
 */
export async function guardClusters(
  kubectl: Kubectl,
  targets: readonly ClusterTarget[],
  holder: Holder,
  o: GuardOptions,
): Promise<Guard> {
  const created = o.createNamespace ? await createNamespaces(kubectl, targets, o.log) : new Set<string>();
  const undoNamespaces = () => removeNamespaces(kubectl, targets, created);
  let locks: ClusterLock[];
  try {
    locks = await lockAndRepair(kubectl, targets, holder, o);
  } catch (err) {
    const note = await undoNamespaces();
    if (err instanceof LockError) {
      throw new PluginError(err.describe('preflight failed', `; nothing was applied anywhere${note}`));
    }
    if (note && err instanceof Error) err.message = `${errorMessage(err)}${note}`;
    throw err;
  }
  let recorded = false;
  return {
    locks,
    created,
    undoNamespaces,
    async record(plans, h, images, startedAt) {
      await Promise.all(
        locks.map((l) => {
          recorded = true;
          return l.writeRecord(
            recordOf(
              plans.find((x) => x.target === l.target),
              h,
              images,
              startedAt,
            ),
          );
        }),
      );
    },
    release(runs) {
      const unconfirmed = new Set(runs.filter((r) => r.result === 'cancelled').map((r) => r.target));
      return releaseLocks(locks, o.log, (l) => unconfirmed.has(l.target));
    },
    releaseAfterError() {
      return releaseLocks(locks, o.log, () => recorded);
    },
  };
}
