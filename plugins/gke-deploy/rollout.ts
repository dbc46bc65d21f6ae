// Phase 3 of gke-deploy: apply and wait on every cluster (all at once, or a canary first),
// judge each by its metrics (analysis/phase.ts: the canary before the rest), verify from
// outside, and when anything failed — or the run is cancelled — put every
// cluster this run changed back, leaving alone whatever another deploy has since replaced.
// Each step returns every cluster's outcome; nothing is changed in place.
import { cancellation, graceAfter } from '../../common/cancel.ts';
import type { BuildContext } from '../../common/ci.ts';
import { errorMessage } from '../../common/errors.ts';
import type { Kubectl } from '../../common/kube/kubectl.ts';
import { waitForRollouts } from '../../common/kube/rollout.ts';
import {
  buildOfWorkload,
  imagesOf,
  type KubeObject,
  sameImages,
  workloadKey,
} from '../../common/kube/workloads.ts';
import type { Logger } from '../../common/log.ts';
import type { DeploySummary } from '../../common/summary.ts';
import type { CheckResult } from './analysis/loop.ts';
import { type Analysis, analyseBatch } from './analysis/phase.ts';
import { apply, type Rendered, rollBack } from './cluster-ops.ts';
import type { ClusterOutcome, ClusterPlan } from './report.ts';
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
  /** The metrics checks after each batch of rollouts; undefined without `analysis`. */
  analysis?: Analysis | undefined;
}

export interface Deployed {
  result: DeploySummary['result'];
  /** Per cluster, in the order of the plans. */
  outcomes: ClusterOutcome[];
  /** Every metrics check run, per cluster analysed. */
  analysis: CheckResult[];
}

interface Step {
  ok: boolean;
  outcomes: ClusterOutcome[];
}

/** A step of rollouts, with the analysis that judged them. */
interface Rolled extends Step {
  results: CheckResult[];
}

/**
 * Whether a live workload still carries this run's pod template (its build annotation and
 * images): undefined when it does, else who replaced it.
 */
export function expectation(ctx: BuildContext, images: ReadonlyMap<string, string[]>) {
  return (o: KubeObject): string | undefined => {
    const want = images.get(workloadKey(o));
    if (!want) return undefined;
    const build = buildOfWorkload(o);
    if (build === ctx.build.number && sameImages(imagesOf(o), want)) return undefined;
    const by = build !== undefined && build !== ctx.build.number ? `build ${build}` : 'another deploy';
    return `superseded by ${by} (${imagesOf(o).join(', ')})`;
  };
}

/** A cluster not started before a failure or a cancel stays as it was. */
const SKIPPED: ClusterOutcome = { result: 'skipped', applied: false };

/** Applies to one cluster and waits; a failure stops the clusters not started yet. */
async function deployOne(
  p: ClusterPlan,
  rendered: Rendered,
  s: Settings,
  c: RolloutContext,
  stop: AbortController,
  deadline: number,
): Promise<ClusterOutcome> {
  if (stop.signal.aborted) return SKIPPED;
  const { kubectl, log, deps } = c;
  try {
    await apply(kubectl, p.target, rendered, s.server_side);
    const w = await waitForRollouts(kubectl, p.target, p.refs, log, {
      deadline,
      pollMs: deps.pollMs,
      signal: stop.signal,
      now: deps.now,
      expect: c.expect,
    });
    if (w.superseded) return { result: 'superseded', applied: true, error: w.reason as string };
    if (!w.ok) throw new Error(w.reason);
    return { result: 'deployed', applied: true };
  } catch (err) {
    stop.abort();
    return { result: 'failed', applied: true, error: errorMessage(err) };
  }
}

async function applyAndWait(
  plans: readonly ClusterPlan[],
  rendered: Rendered,
  s: Settings,
  c: RolloutContext,
): Promise<Rolled> {
  const { log, deps } = c;
  const deadline = deps.now() + c.timeoutMs;
  const stop = new AbortController();
  const onCancel = () => stop.abort(deps.signal.reason);
  if (deps.signal.aborted) onCancel();
  else deps.signal.addEventListener('abort', onCancel, { once: true });
  const healthy = (outcomes: ClusterOutcome[]) =>
    outcomes.every((o) => o.result !== 'failed') && !stop.signal.aborted;
  const deployAll = async (batch: readonly ClusterPlan[]): Promise<Rolled> => {
    const rolled = await Promise.all(batch.map((p) => deployOne(p, rendered, s, c, stop, deadline)));
    if (!healthy(rolled)) return { ok: false, outcomes: rolled, results: [] };
    const { outcomes, results } = await analyseBatch(batch, rolled, c.analysis);
    return { ok: healthy(outcomes), outcomes, results };
  };
  try {
    if (s.parallel) return await deployAll(plans);
    const canary = await deployAll(plans.slice(0, 1));
    const rest = plans.slice(1);
    // A superseded canary: the other deploy owns the clusters now.
    if (!canary.ok || rest.length === 0 || canary.outcomes[0]?.result !== 'deployed') {
      return { ...canary, outcomes: [...canary.outcomes, ...rest.map(() => SKIPPED)] };
    }
    log.info(`canary ${plans[0]?.target.id} is healthy; deploying to the other ${rest.length} cluster(s)`);
    const others = await deployAll(rest);
    return {
      ok: others.ok,
      outcomes: [...canary.outcomes, ...others.outcomes],
      results: [...canary.results, ...others.results],
    };
  } finally {
    deps.signal.removeEventListener('abort', onCancel);
  }
}

async function verifyAll(outcomes: ClusterOutcome[], s: Settings, c: RolloutContext): Promise<Step> {
  if (s.verify.length === 0 || cancellation(c.deps.signal)) return { ok: true, outcomes };
  c.log.section('Verify');
  const problems = (
    await Promise.all(toChecks(s.verify).map((check) => runCheck(check, c.deps.fetch)))
  ).filter((p) => p !== undefined);
  for (const p of problems) c.log.error(`verify: ${p}`);
  if (problems.length === 0) {
    c.log.info(`verify: ${s.verify.length} check(s) passed`);
    return { ok: true, outcomes };
  }
  const error = `verify failed: ${problems[0]}`;
  return {
    ok: false,
    outcomes: outcomes.map((o) => (o.result === 'deployed' ? { ...o, result: 'failed', error } : o)),
  };
}

/** Rolls one changed cluster back and waits; its new outcome. */
async function rollBackOne(
  p: ClusterPlan,
  o: ClusterOutcome,
  c: RolloutContext,
  wait: { deadline: number; signal: AbortSignal; cancelled: boolean },
): Promise<{ ok: boolean; outcome: ClusterOutcome }> {
  const { kubectl, log, deps } = c;
  const failed = (why: string, result = o.result) => ({
    ok: false,
    outcome: { ...o, result, error: [o.error, why].filter(Boolean).join('; ') },
  });
  try {
    const undone = await rollBack(kubectl, p.target, p.refs, p.before, log, c.expect);
    const w = await waitForRollouts(kubectl, p.target, undone, log, {
      deadline: wait.deadline,
      pollMs: deps.pollMs,
      now: deps.now,
      signal: wait.signal,
    });
    if (!w.ok && (wait.cancelled || wait.signal.aborted)) {
      return failed(`rollback started, not healthy within cancel_grace: ${w.reason}`, 'cancelled');
    }
    if (!w.ok) return failed(`rollback did not become healthy: ${w.reason}`);
    log.info(`[${p.target.id}] back on the revision from before this run, healthy`);
    return { ok: true, outcome: { ...o, result: 'rolled_back' } };
  } catch (err) {
    return failed(errorMessage(err));
  }
}

/** Rolls back every cluster this run changed whose workloads are still this run's. */
async function rollBackChanged(
  plans: readonly ClusterPlan[],
  outcomes: ClusterOutcome[],
  c: RolloutContext,
  cancelled: boolean,
): Promise<Step> {
  c.log.section('Rollback');
  const deadline = c.deps.now() + (cancelled ? c.cancelGraceMs : c.timeoutMs);
  // Cancelled while rolling back a failure: wait no longer than cancel_grace from then.
  const wait = { deadline, signal: graceAfter(c.deps.signal, c.cancelGraceMs), cancelled };
  const changed = (o: ClusterOutcome) => o.applied && o.result !== 'superseded';
  const back = await Promise.all(
    outcomes.map((o, i) =>
      changed(o) ? rollBackOne(plans[i] as ClusterPlan, o, c, wait) : { ok: true, outcome: o },
    ),
  );
  return { ok: back.every((b) => b.ok), outcomes: back.map((b) => b.outcome) };
}

/** After the rollouts (and their analysis) and verify: rolled back on a failure or a cancel. */
async function settle(
  plans: readonly ClusterPlan[],
  { ok, outcomes }: Step,
  s: Settings,
  c: RolloutContext,
): Promise<Omit<Deployed, 'analysis'>> {
  if (cancellation(c.deps.signal) !== undefined) {
    const marked = outcomes.map((o) =>
      o.applied && o.result !== 'superseded' ? { ...o, error: o.error ?? 'cancelled' } : o,
    );
    if (!marked.some((o) => o.applied)) return { result: 'cancelled', outcomes: marked };
    return { result: 'cancelled', outcomes: (await rollBackChanged(plans, marked, c, true)).outcomes };
  }
  const superseded = outcomes.some((o) => o.result === 'superseded');
  if (ok) return { result: superseded ? 'superseded' : 'deployed', outcomes };
  if (!s.rollback_on_failure) return { result: 'failed', outcomes };
  const back = await rollBackChanged(plans, outcomes, c, false);
  if (cancellation(c.deps.signal)) return { result: 'cancelled', outcomes: back.outcomes };
  return { result: back.ok ? 'rolled_back' : 'failed', outcomes: back.outcomes };
}

export async function deployClusters(
  plans: readonly ClusterPlan[],
  rendered: Rendered,
  s: Settings,
  c: RolloutContext,
): Promise<Deployed> {
  c.log.section('Deploy');
  const applied = await applyAndWait(plans, rendered, s, c);
  const verified = applied.ok ? await verifyAll(applied.outcomes, s, c) : applied;
  return { ...(await settle(plans, verified, s, c)), analysis: applied.results };
}
