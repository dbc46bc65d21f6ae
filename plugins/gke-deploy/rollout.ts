// Phase 3 of gke-deploy: apply and wait on every cluster (all at once, or a canary first),
// verify from outside, and when anything failed put every changed cluster back.
import type { Kubectl } from '../../common/kube/kubectl.ts';
import { waitForRollouts } from '../../common/kube/rollout.ts';
import type { Logger } from '../../common/log.ts';
import type { DeploySummary } from '../../common/summary.ts';
import { apply, type Rendered, rollBack } from './cluster-ops.ts';
import type { ClusterRun } from './report.ts';
import type { Settings } from './settings.ts';
import { type Fetch, runCheck, toChecks } from './verify.ts';

interface RolloutContext {
  kubectl: Kubectl;
  log: Logger;
  deps: { now: () => number; pollMs: number; fetch: Fetch };
  timeoutMs: number;
}

export async function deployClusters(
  runs: ClusterRun[],
  rendered: Rendered,
  s: Settings,
  c: RolloutContext,
): Promise<DeploySummary['result']> {
  const { kubectl, log, deps } = c;
  log.section('Deploy');
  const deadline = deps.now() + c.timeoutMs;
  const abort = new AbortController();
  const waitOpts = { deadline, pollMs: deps.pollMs, signal: abort.signal, now: deps.now };
  const deployOne = async (r: ClusterRun) => {
    r.result = 'failed';
    r.applied = true;
    await apply(kubectl, r.target, rendered, s.server_side);
    const w = await waitForRollouts(kubectl, r.target, r.refs, log, waitOpts);
    r.states = w.states;
    if (!w.ok) throw new Error(w.reason);
    r.result = 'deployed';
  };
  const deployAll = async (batch: ClusterRun[]) => {
    const results = await Promise.allSettled(
      batch.map(async (r) => {
        try {
          await deployOne(r);
        } catch (err) {
          r.error = (err as Error).message;
          abort.abort();
          throw err;
        }
      }),
    );
    return results.every((x) => x.status === 'fulfilled');
  };
  let ok = await deployAll(s.parallel ? runs : runs.slice(0, 1));
  if (!s.parallel && ok && runs.length > 1) {
    log.info(`canary ${runs[0]?.target.id} is healthy; deploying to the other ${runs.length - 1} cluster(s)`);
    ok = await deployAll(runs.slice(1));
  }

  if (ok && s.verify.length > 0) {
    log.section('Verify');
    const problems = (
      await Promise.all(toChecks(s.verify).map((check) => runCheck(check, deps.fetch)))
    ).filter((p) => p !== undefined);
    for (const p of problems) log.error(`verify: ${p}`);
    if (problems.length > 0) {
      ok = false;
      for (const r of runs) {
        if (r.result !== 'deployed') continue;
        r.error = `verify failed: ${problems[0]}`;
        r.result = 'failed';
      }
    } else log.info(`verify: ${s.verify.length} check(s) passed`);
  }
  if (ok) return 'deployed';
  if (!s.rollback_on_failure) return 'failed';

  log.section('Rollback');
  const changed = runs.filter((r) => r.applied);
  const rollDeadline = deps.now() + c.timeoutMs;
  const back = await Promise.allSettled(
    changed.map(async (r) => {
      const undone = await rollBack(kubectl, r.target, r.refs, r.before, log);
      const w = await waitForRollouts(kubectl, r.target, undone, log, {
        deadline: rollDeadline,
        pollMs: deps.pollMs,
        now: deps.now,
      });
      if (!w.ok) throw new Error(`rollback did not become healthy: ${w.reason}`);
      r.result = 'rolled_back';
    }),
  );
  back.forEach((b, i) => {
    const r = changed[i] as ClusterRun;
    if (b.status === 'rejected') r.error = [r.error, (b.reason as Error).message].filter(Boolean).join('; ');
  });
  return back.every((b) => b.status === 'fulfilled') ? 'rolled_back' : 'failed';
}
