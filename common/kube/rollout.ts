// Waiting for rollouts and undoing them. One `kubectl get` per cluster per poll covers
// every workload of the run, so twenty Deployments cost the same as one.
import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../duration.ts';
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
  /** Per workload key (deployment/web): its last state. */
  states: Map<string, RolloutState>;
  /** Why it failed, in one line, when !ok. */
  reason?: string;
}

export interface WaitOptions {
  /** Epoch ms by which every rollout must be done. */
  deadline: number;
  pollMs?: number;
  now?: () => number;
  /** Stop early (another cluster failed and a rollback is coming). */
  signal?: AbortSignal;
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

export async function waitForRollouts(
  kubectl: Kubectl,
  target: ClusterTarget,
  refs: readonly WorkloadRef[],
  log: Logger,
  opts: WaitOptions,
): Promise<WaitResult> {
  const now = opts.now ?? Date.now;
  const started = now();
  const kinds = [...new Set(refs.map((r) => r.kind))];
  const states = new Map<string, RolloutState>();
  if (refs.length === 0) return { ok: true, states };
  for (;;) {
    let objects: Map<string, KubeObject> | undefined;
    try {
      objects = await getWorkloads(kubectl, target, kinds);
    } catch (err) {
      // A passing API error is not a failed rollout: log it and poll again until the deadline.
      log.warn(`[${target.id}] could not read rollout status: ${(err as Error).message.split('\n')[0]}`);
    }
    if (objects) {
      for (const r of refs) {
        const o = objects.get(refKey(r));
        states.set(refKey(r), o ? rolloutState(o) : { state: 'progressing', message: 'not found yet' });
      }
      const failed = [...states].find(([, s]) => s.state === 'failed');
      const done = [...states.values()].every((s) => s.state === 'done');
      const line = [...states].map(([k, s]) => `${k} ${s.message}`).join('; ');
      log.progress(target.id, `[${target.id}] ${line}`, done || failed !== undefined);
      if (failed) return { ok: false, states, reason: `${failed[0]} ${failed[1].message}` };
      if (done) {
        log.info(`[${target.id}] rolled out in ${formatDuration(now() - started)}`);
        return { ok: true, states };
      }
    }
    if (opts.signal?.aborted) return { ok: false, states, reason: 'stopped: another cluster failed' };
    if (now() >= opts.deadline) {
      const pending = [...states]
        .filter(([, s]) => s.state !== 'done')
        .map(([k, s]) => `${k} (${s.message})`);
      return { ok: false, states, reason: `timed out waiting for ${pending.join(', ') || 'the rollout'}` };
    }
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
