// Phase 3 of gke-deploy: apply and wait on every cluster (all at once, or a canary first),
// verify from outside, and when anything failed — or the run is cancelled — put every
// cluster this run changed back, leaving alone whatever another deploy has since replaced.
import { cancellation, graceAfter } from '../../common/cancel.ts';
import { errorMessage } from '../../common/errors.ts';
import type { Kubectl } from '../../common/kube/kubectl.ts';
import { waitForRollouts } from '../../common/kube/rollout.ts';
import type { KubeObject } from '../../common/kube/workloads.ts';
import type { Logger } from '../../common/log.ts';
import type { DeploySummary } from '../../common/summary.ts';
import { apply, type Rendered, rollBack } from './cluster-ops.ts';
import type { ClusterRun } from './report.ts';
import type { Settings } from './settings.ts';
import { type Fetch, runCheck, toChecks } from './verify.ts';

export interface RolloutContext {
  kubectl: Kubectl;
  log: Logger;
  deps: { now: () => number; pollMs: number; fetch: Fetch; signal: AbortSignal };
  timeoutMs: number;
  cancelGraceMs: number;
  /** Undefined while a live workload is this run's; else who replaced it. */
  expect: (o: KubeObject) => string | undefined;
}

async function applyAndWait(runs: ClusterRun[], rendered: Rendered, s: Settings, c: RolloutContext) {
  const { kubectl, log, deps } = c;
  const deadline = deps.now() + c.timeoutMs;
  const stop = new AbortController();
  const onCancel = () => stop.abort(deps.signal.reason);
  if (deps.signal.aborted) onCancel();
  else deps.signal.addEventListener('abort', onCancel, { once: true });
  const waitOpts = { deadline, pollMs: deps.pollMs, signal: stop.signal, now: deps.now, expect: c.expect };
  const deployOne = async (r: ClusterRun) => {
    // A cluster not started before a failure or a cancel stays as it was ('skipped').
    if (stop.signal.aborted) return;
    r.result = 'failed';
    r.applied = true;
    await apply(kubectl, r.target, rendered, s.server_side);
    const w = await waitForRollouts(kubectl, r.target, r.refs, log, waitOpts);
    if (w.superseded) {
      r.result = 'superseded';
      r.error = w.reason;
      return;
    }
    if (!w.ok) throw new Error(w.reason);
    r.result = 'deployed';
  };
  const deployAll = async (batch: ClusterRun[]) => {
    const results = await Promise.allSettled(
      batch.map(async (r) => {
        try {
          await deployOne(r);
        } catch (err) {
          r.error = errorMessage(err);
          stop.abort();
          throw err;
        }
      }),
    );
    return results.every((x) => x.status === 'fulfilled') && !stop.signal.aborted;
  };
  try {
    let ok = await deployAll(s.parallel ? runs : runs.slice(0, 1));
    if (!s.parallel && ok && runs.length > 1) {
      // A superseded canary: the other deploy owns the clusters now.
      if (runs[0]?.result !== 'deployed') return ok;
      log.info(
        `canary ${runs[0]?.target.id} is healthy; deploying to the other ${runs.length - 1} cluster(s)`,
      );
      ok = await deployAll(runs.slice(1));
    }
    return ok;
  } finally {
    deps.signal.removeEventListener('abort', onCancel);
  }
}

async function verifyAll(runs: ClusterRun[], s: Settings, c: RolloutContext): Promise<boolean> {
  if (s.verify.length === 0 || cancellation(c.deps.signal)) return true;
  c.log.section('Verify');
  const problems = (
    await Promise.all(toChecks(s.verify).map((check) => runCheck(check, c.deps.fetch)))
  ).filter((p) => p !== undefined);
  for (const p of problems) c.log.error(`verify: ${p}`);
  if (problems.length === 0) {
    c.log.info(`verify: ${s.verify.length} check(s) passed`);
    return true;
  }
  for (const r of runs) {
    if (r.result !== 'deployed') continue;
    r.error = `verify failed: ${problems[0]}`;
    r.result = 'failed';
  }
  return false;
}

/** Rolls back every cluster this run changed whose workloads are still this run's. */
async function rollBackChanged(runs: ClusterRun[], c: RolloutContext, cancelled: boolean): Promise<boolean> {
  const { kubectl, log, deps } = c;
  log.section('Rollback');
  const changed = runs.filter((r) => r.applied && r.result !== 'superseded');
  const deadline = deps.now() + (cancelled ? c.cancelGraceMs : c.timeoutMs);
  // Cancelled while rolling back a failure: wait no longer than cancel_grace from then.
  const signal = graceAfter(deps.signal, c.cancelGraceMs);
  const back = await Promise.allSettled(
    changed.map(async (r) => {
      const undone = await rollBack(kubectl, r.target, r.refs, r.before, log, c.expect);
      const w = await waitForRollouts(kubectl, r.target, undone, log, {
        deadline,
        pollMs: deps.pollMs,
        now: deps.now,
        signal,
      });
      if (!w.ok) {
        if (cancelled || signal.aborted) {
          r.result = 'cancelled';
          throw new Error(`rollback started, not healthy within cancel_grace: ${w.reason}`);
        }
        throw new Error(`rollback did not become healthy: ${w.reason}`);
      }
      r.result = 'rolled_back';
      log.info(`[${r.target.id}] back on the revision from before this run, healthy`);
    }),
  );
  back.forEach((b, i) => {
    const r = changed[i] as ClusterRun;
    if (b.status === 'rejected') r.error = [r.error, errorMessage(b.reason)].filter(Boolean).join('; ');
  });
  return back.every((b) => b.status === 'fulfilled');
}

export async function deployClusters(
  runs: ClusterRun[],
  rendered: Rendered,
  s: Settings,
  c: RolloutContext,
): Promise<DeploySummary['result']> {
  c.log.section('Deploy');
  let ok = await applyAndWait(runs, rendered, s, c);
  if (ok) ok = await verifyAll(runs, s, c);
  const cancelled = cancellation(c.deps.signal) !== undefined;
  if (cancelled) {
    for (const r of runs) if (r.applied && r.result !== 'superseded') r.error ??= 'cancelled';
    if (runs.some((r) => r.applied)) await rollBackChanged(runs, c, true);
    return 'cancelled';
  }
  const superseded = runs.some((r) => r.result === 'superseded');
  if (ok) return superseded ? 'superseded' : 'deployed';
  if (!s.rollback_on_failure) return 'failed';
  const back = await rollBackChanged(runs, c, false);
  if (cancellation(c.deps.signal)) return 'cancelled';
  return back ? 'rolled_back' : 'failed';
}
