// Waiting for rollouts and undoing them. One `kubectl get --watch` per cluster and kind sees
// every workload of the run change as it happens; if a watch ends early, one `kubectl get`
// per cluster per poll does the same job more slowly.
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../duration.ts';
import { errorMessage, PluginError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Kubectl } from './kubectl.ts';
import type { ClusterTarget } from './target.ts';
import {
  type KubeList,
  type KubeObject,
  type RolloutState,
  refKey,
  rolloutState,
  type WorkloadRef,
} from './workloads.ts';

export interface WaitResult {
  ok: boolean;
  /** Why it failed, in one line, when !ok. */
  reason?: string;
  /** Set when a workload no longer carries this run's pod template: who replaced it. */
  superseded?: string;
}

export interface WaitOptions {
  /** Epoch ms by which every rollout must be done. */
  deadline: number;
  pollMs?: number;
  now?: () => number;
  /** Stop early (another cluster failed and a rollback is coming, or the run was cancelled). */
  signal?: AbortSignal;
  /**
   * Whether a live workload is still the one this run applied: undefined when it is, else
   * who replaced it ("superseded by build 42"). The wait then ends for that cluster.
   */
  expect?: (o: KubeObject) => string | undefined;
}

/** Lists the given kinds in a namespace, as a map from workload key to object. */
export async function getWorkloads(
  kubectl: Kubectl,
  target: ClusterTarget,
  kinds: readonly string[],
  namespace = target.namespace,
): Promise<Map<string, KubeObject>> {
  const list = await kubectl.json<KubeList>(target, ['get', kinds.map((k) => k.toLowerCase()).join(',')], {
    namespace,
  });
  return new Map(
    list.items.map((o) => [refKey({ kind: o.kind as WorkloadRef['kind'], name: o.metadata.name }), o]),
  );
}

/** Rollout states of `refs` from the objects seen so far; the result once all are done or one failed. */
function evaluate(
  target: ClusterTarget,
  refs: readonly WorkloadRef[],
  objects: ReadonlyMap<string, KubeObject>,
  states: Map<string, RolloutState>,
  log: Logger,
  elapsedMs: () => number,
  expect?: (o: KubeObject) => string | undefined,
): WaitResult | undefined {
  for (const r of refs) {
    const o = objects.get(refKey(r));
    states.set(refKey(r), o ? rolloutState(o) : { state: 'progressing', message: 'not found yet' });
    const other = o && expect?.(o);
    if (other) {
      log.warn(`[${target.id}] ${refKey(r)} was ${other}: no longer this run's to wait for`);
      return { ok: false, reason: `${refKey(r)} was ${other}`, superseded: other };
    }
  }
  const failed = [...states].find(([, s]) => s.state === 'failed');
  const done = [...states.values()].every((s) => s.state === 'done');
  const line = [...states].map(([k, s]) => `${k} ${s.message}`).join('; ');
  log.progress(target.id, `[${target.id}] ${line}`, done || failed !== undefined);
  if (failed) return { ok: false, reason: `${failed[0]} ${failed[1].message}` };
  if (done) {
    log.info(`[${target.id}] rolled out in ${formatDuration(elapsedMs())}`);
    return { ok: true };
  }
  return undefined;
}

function timedOut(states: Map<string, RolloutState>): WaitResult {
  const pending = [...states].filter(([, s]) => s.state !== 'done').map(([k, s]) => `${k} (${s.message})`);
  return { ok: false, reason: `timed out waiting for ${pending.join(', ') || 'the rollout'}` };
}

const STOPPED = 'stopped: another cluster failed';

/** Why a wait was stopped: the signal's reason (a cancellation) or another cluster's failure. */
function stopped(signal: AbortSignal | undefined): string {
  return signal?.reason instanceof PluginError ? `stopped: ${signal.reason.message}` : STOPPED;
}

/**
 * Waits by watching (one `kubectl get --watch` per kind): each change is seen as it happens,
 * where a poll would see it up to a poll interval plus a kubectl start later. Undefined when
 * the watches ended before an answer (an API error, a dropped connection): poll then.
 */
async function watchRollouts(
  kubectl: Kubectl,
  target: ClusterTarget,
  refs: readonly WorkloadRef[],
  kinds: readonly string[],
  states: Map<string, RolloutState>,
  log: Logger,
  opts: WaitOptions,
  elapsedMs: () => number,
): Promise<WaitResult | undefined> {
  const now = opts.now ?? Date.now;
  const objects = new Map<string, KubeObject>();
  const stop = new AbortController();
  let result: WaitResult | undefined;
  let settle = () => {};
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const finish = (r: WaitResult) => {
    if (result) return;
    result = r;
    stop.abort();
    settle();
  };
  const onAbort = () => finish({ ok: false, reason: stopped(opts.signal) });
  if (opts.signal?.aborted) return { ok: false, reason: stopped(opts.signal) };
  opts.signal?.addEventListener('abort', onAbort);
  const timer = setTimeout(() => finish(timedOut(states)), Math.max(0, opts.deadline - now()));
  const watches = kinds.map((kind) =>
    kubectl
      .watch(
        target,
        kind.toLowerCase(),
        (o) => {
          const obj = o as KubeObject;
          if (!obj?.metadata?.name || typeof obj.kind !== 'string') return;
          objects.set(refKey({ kind: obj.kind as WorkloadRef['kind'], name: obj.metadata.name }), obj);
          const r = evaluate(target, refs, objects, states, log, elapsedMs, opts.expect);
          if (r) finish(r);
        },
        { signal: stop.signal, timeoutMs: Math.max(1000, opts.deadline - now() + 5000) },
      )
      .catch((err: Error) => {
        if (!result) log.debug(`[${target.id}] watch ended: ${err.message.split('\n')[0]}; polling instead`);
      }),
  );
  await Promise.race([settled, Promise.all(watches)]);
  clearTimeout(timer);
  opts.signal?.removeEventListener('abort', onAbort);
  stop.abort();
  await Promise.all(watches);
  return result;
}

export async function waitForRollouts(
  kubectl: Kubectl,
  target: ClusterTarget,
  refs: readonly WorkloadRef[],
  log: Logger,
  opts: WaitOptions,
): Promise<WaitResult> {
  const now = opts.now ?? Date.now;
  const started = now();
  const elapsedMs = () => now() - started;
  const kinds = [...new Set(refs.map((r) => r.kind))];
  const states = new Map<string, RolloutState>();
  if (refs.length === 0) return { ok: true };
  const watched = await watchRollouts(kubectl, target, refs, kinds, states, log, opts, elapsedMs);
  if (watched) return watched;
  for (;;) {
    let objects: Map<string, KubeObject> | undefined;
    try {
      objects = await getWorkloads(kubectl, target, kinds);
    } catch (err) {
      // A passing API error is not a failed rollout: log it and poll again until the deadline.
      log.warn(`[${target.id}] could not read rollout status: ${errorMessage(err).split('\n')[0]}`);
    }
    if (objects) {
      const r = evaluate(target, refs, objects, states, log, elapsedMs, opts.expect);
      if (r) return r;
    }
    if (opts.signal?.aborted) return { ok: false, reason: stopped(opts.signal) };
    if (now() >= opts.deadline) return timedOut(states);
    // Poll fast while a rollout is young (kwok and small apps are ready in a second or two),
    // then settle at pollMs: one kubectl get per cluster per poll.
    const pause = Math.min(opts.pollMs ?? 1000, 250 + (now() - started) / 10);
    await sleep(Math.min(pause, Math.max(50, opts.deadline - now())));
  }
}

/** `kubectl rollout undo` of one workload, to a revision or to the previous one. */
export async function undoRollout(
  kubectl: Kubectl,
  target: ClusterTarget,
  ref: WorkloadRef,
  toRevision?: number,
): Promise<void> {
  const args = ['rollout', 'undo', refKey(ref)];
  if (toRevision !== undefined) args.push(`--to-revision=${toRevision}`);
  await kubectl.run(target, args, { namespace: target.namespace });
}
