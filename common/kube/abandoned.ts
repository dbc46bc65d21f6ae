// A deploy that died before it finished (SIGKILL on cancel, a runner that vanished) leaves
// its record on the cluster's deploy lock. The next gke-deploy or rollback that takes the
// lock finds it, says where each workload stands, and — by default — puts every workload
// back on the revision the record names before going on.
import { ClusterFailuresError, PluginError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { readHistory } from './history.ts';
import type { Kubectl } from './kubectl.ts';
import { type DeployRecord, describeHolder, type RecordedWorkload } from './lease.ts';
import type { ClusterLock } from './lease-lock.ts';
import { getWorkloads, undoRollout, waitForRollouts } from './rollout.ts';
import { settleAll } from './settle.ts';
import type { ClusterTarget } from './target.ts';
import {
  buildOfWorkload,
  imagesOf,
  type KubeObject,
  refKey,
  rolloutState,
  sameImages,
  type WorkloadRef,
} from './workloads.ts';

export type OnAbandoned = 'rollback' | 'fail' | 'ignore';

export interface AbandonedWorkload {
  recorded: RecordedWorkload;
  key: string;
  /** Where it stands now, in words. */
  state: string;
  /** True when it is not on its recorded revision (and existed before). */
  needsRepair: boolean;
}

function onRecordedRevision(o: KubeObject, w: RecordedWorkload): boolean {
  return sameImages(imagesOf(o), w.images) && buildOfWorkload(o) === w.build;
}

function describeWorkload(
  o: KubeObject | undefined,
  w: RecordedWorkload,
  rec: DeployRecord,
): AbandonedWorkload {
  const key = refKey({ kind: w.kind as WorkloadRef['kind'], name: w.name });
  if (!w.existed) {
    const state = o
      ? `was being created by it (${rolloutState(o).message}); it has no earlier revision and is left in place`
      : 'was to be created by it and does not exist';
    return { recorded: w, key, state, needsRepair: false };
  }
  if (!o) return { recorded: w, key, state: 'no longer exists', needsRepair: false };
  if (onRecordedRevision(o, w)) {
    const build = w.build !== undefined ? `build ${w.build}, ` : '';
    return {
      recorded: w,
      key,
      state: `is still on its earlier revision (${build}not changed)`,
      needsRepair: false,
    };
  }
  const s = rolloutState(o);
  const byRun = buildOfWorkload(o) === rec.holder.build && rec.holder.build !== undefined;
  const state =
    s.state === 'done' && byRun
      ? `is on build ${rec.holder.build}'s revision (${s.message})`
      : `is between revisions (${s.message})`;
  return { recorded: w, key, state, needsRepair: true };
}

/** Where each workload of an abandoned record stands now. */
export async function inspectAbandoned(
  kubectl: Kubectl,
  t: ClusterTarget,
  rec: DeployRecord,
): Promise<AbandonedWorkload[]> {
  const kinds = [...new Set(rec.workloads.map((w) => w.kind))];
  const live = kinds.length > 0 ? await getWorkloads(kubectl, t, kinds) : new Map<string, KubeObject>();
  return rec.workloads.map((w) =>
    describeWorkload(live.get(refKey({ kind: w.kind as WorkloadRef['kind'], name: w.name })), w, rec),
  );
}

/** "build 41 of acme/web (gke-deploy) was stopped during its rollout: deployment/web is …". */
export function describeAbandoned(
  t: ClusterTarget,
  rec: DeployRecord,
  found: readonly AbandonedWorkload[],
): string {
  const who = describeHolder(rec.holder);
  const what = found.map((f) => `${f.key} ${f.state}`).join('; ') || 'it recorded no workloads';
  return `[${t.id}] ${who}, started ${rec.startedAt}, was stopped during its rollout: ${what}`;
}

/** The revision number whose pod template is the recorded one (images and build). */
async function recordedRevision(
  kubectl: Kubectl,
  t: ClusterTarget,
  o: KubeObject,
  w: RecordedWorkload,
): Promise<number> {
  const history = (await readHistory(kubectl, t)).get(o.metadata.uid ?? '') ?? [];
  const matches = history.filter((r) => sameImages(r.images, w.images) && r.build === w.build);
  const exact = matches.find((r) => r.revision === w.revision);
  const pick = exact ?? matches.at(-1);
  if (!pick) {
    const kept = history.map((r) => r.revision).join(', ') || 'none';
    throw new PluginError(
      `${refKey({ kind: w.kind as WorkloadRef['kind'], name: w.name })}: its recorded revision (${w.images.join(', ')}) is no longer in its rollout history (revisions kept: ${kept}); roll back by hand with rollback's to_revision`,
    );
  }
  return pick.revision;
}

export interface RepairOptions {
  mode: OnAbandoned;
  log: Logger;
  deadline: number;
  pollMs: number;
  now: () => number;
  signal?: AbortSignal | undefined;
  /** The setting that chose the mode, for the message of `fail`. */
  setting: string;
}

/**
 * Handles the record a dead run left on one cluster: says where its workloads stand, then
 * rolls them back to the recorded revisions (`rollback`), stops (`fail`) or leaves them
 * (`ignore`). The record is removed once the workloads are back (or ignored).
 */
export async function handleAbandoned(
  kubectl: Kubectl,
  lock: ClusterLock,
  opts: RepairOptions,
): Promise<AbandonedWorkload[]> {
  const rec = lock.abandoned;
  if (!rec) return [];
  const t = lock.target;
  const found = await inspectAbandoned(kubectl, t, rec);
  const text = describeAbandoned(t, rec, found);
  const todo = found.filter((f) => f.needsRepair);
  if (todo.length === 0) {
    opts.log.warn(`${text}. Nothing to repair.`);
    await lock.clearRecord();
    return found;
  }
  if (opts.mode === 'fail') {
    throw new PluginError(
      `${text}. ${opts.setting}: fail stops here: run the rollback plugin with the same cluster settings (it puts these workloads back), or set ${opts.setting}: rollback`,
    );
  }
  if (opts.mode === 'ignore') {
    opts.log.warn(`${text}. ${opts.setting}: ignore leaves them as they are.`);
    await lock.clearRecord();
    return found;
  }
  opts.log.warn(`${text}. Rolling ${todo.map((f) => f.key).join(', ')} back to the recorded revision.`);
  const live = await getWorkloads(kubectl, t, [...new Set(todo.map((f) => f.recorded.kind))]);
  const refs: WorkloadRef[] = [];
  for (const f of todo) {
    const ref = { kind: f.recorded.kind as WorkloadRef['kind'], name: f.recorded.name };
    const o = live.get(refKey(ref));
    if (!o) continue;
    const revision = await recordedRevision(kubectl, t, o, f.recorded);
    await undoRollout(kubectl, t, ref, revision);
    opts.log.info(`[${t.id}] ${f.key} going back to revision ${revision} (${f.recorded.images.join(', ')})`);
    refs.push(ref);
  }
  const w = await waitForRollouts(kubectl, t, refs, opts.log, {
    deadline: opts.deadline,
    pollMs: opts.pollMs,
    now: opts.now,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!w.ok) {
    throw new PluginError(
      `[${t.id}] the interrupted deploy's rollback did not become healthy: ${w.reason}. The record stays on the cluster; run rollback again or look at the pods`,
    );
  }
  await lock.clearRecord();
  opts.log.info(`[${t.id}] the interrupted deploy of ${describeHolder(rec.holder)} is rolled back`);
  return found;
}

/**
 * handleAbandoned on every cluster at once; one error naming every cluster that failed.
 * Returns, per lock, the workloads its abandoned record named (empty without one).
 */
export async function handleAllAbandoned(
  kubectl: Kubectl,
  locks: readonly ClusterLock[],
  opts: RepairOptions,
): Promise<AbandonedWorkload[][]> {
  try {
    return await settleAll(
      locks,
      (l) => l.target.id,
      (l) => handleAbandoned(kubectl, l, opts),
    );
  } catch (err) {
    if (!(err instanceof ClusterFailuresError)) throw err;
    // Each message names its cluster already.
    const failed = err.failures.map((f) => f.message);
    throw new PluginError(
      failed.length === 1 ? (failed[0] as string) : failed.map((f) => `  - ${f}`).join('\n'),
    );
  }
}
