// gke-deploy: render the manifests, take every cluster's deploy lock, check the manifests on
// every cluster, record what is about to change, apply, wait for every rollout, judge it by
// its metrics, verify, and roll every changed cluster back when anything fails or the run is
// cancelled.
import { cancellation, sleepUnlessAborted } from '../../common/cancel.ts';
import { type BuildContext, readBuildContext } from '../../common/ci.ts';
import { ClusterFailuresError, PluginError } from '../../common/errors.ts';
import type { GoogleClient, GoogleClientOptions } from '../../common/gcp/auth.ts';
import { resolveClusters } from '../../common/kube/access.ts';
import { createKubectl, type Kubectl } from '../../common/kube/kubectl.ts';
import { holderFrom } from '../../common/kube/lease.ts';
import { publishSummary } from '../../common/kube/publish.ts';
import type { ClusterTarget } from '../../common/kube/target.ts';
import { type BaseDeps, withBaseDeps } from '../../common/plugin.ts';
import type { Env } from '../../common/settings.ts';
import { type DeploySummary, writeSummary } from '../../common/summary.ts';
import type { ManagedAccess } from './analysis/analyze.ts';
import { checkEndpoints, clusterAnalyses, managedAccess } from './analysis/clusters.ts';
import type { CheckResult } from './analysis/loop.ts';
import type { Analysis } from './analysis/phase.ts';
import { type Guard, guardClusters } from './guard.ts';
import { preflightClusters, printDiffs } from './preflight.ts';
import { type RenderResult, renderAll } from './render.ts';
import { buildSummary, type ClusterPlan, type ClusterRun, reportResult, runsOf } from './report.ts';
import { deployClusters, expectation } from './rollout.ts';
import { resolveSettings, type Settings } from './settings.ts';
import type { Fetch } from './verify.ts';

export type { Settings };

export interface Deps extends BaseDeps {
  /** The kubectl to run (default: kubectl on PATH). */
  kubectl: string;
  googleClient?: (opts: GoogleClientOptions) => Promise<GoogleClient>;
  workspace: string;
  fetch: Fetch;
  /** Longest pause between two rollout status polls. */
  pollMs: number;
}

function withDeps(partial: Partial<Deps>): Deps {
  const base = withBaseDeps<Deps>(partial);
  return {
    kubectl: 'kubectl',
    workspace: process.cwd(),
    fetch: (url, init) => fetch(url, init),
    pollMs: 1000,
    ...base,
  } as Deps;
}

interface Deploy extends RenderResult {
  s: Settings;
  ctx: BuildContext;
  deps: Deps;
  kubectl: Kubectl;
  started: number;
  /** Managed Prometheus's token and project, when the clusters are GKE's. */
  managed: ManagedAccess | undefined;
}

/** The summary of this run so far, with each cluster's plan and outcome. */
function summarize(
  d: Deploy,
  targets: readonly ClusterTarget[],
  runs: readonly ClusterRun[],
  result: DeploySummary['result'],
  analysis: readonly CheckResult[] = [],
) {
  return buildSummary({
    analysis,
    started: d.started,
    ctx: d.ctx,
    images: d.images,
    targets,
    runs,
    result,
    finished: d.deps.now(),
  });
}

/** The metrics checks of this run, each cluster's endpoint found before anything is applied. */
function analysisOf(d: Deploy, plans: readonly ClusterPlan[]): Analysis | undefined {
  const { s, deps } = d;
  if (s.analysis.checks.length === 0) return undefined;
  const run = { ctx: d.ctx, images: d.images, managed: d.managed };
  return {
    settings: s.analysis,
    clusters: clusterAnalyses(plans, s.analysis, run, deps.log),
    deps: { fetch: deps.fetch, now: deps.now, sleep: sleepUnlessAborted, signal: deps.signal, log: deps.log },
  };
}

/** Preflight on every cluster; a failure anywhere removes the namespaces this run created and stops. */
async function preflightOrStop(
  d: Deploy,
  targets: readonly ClusterTarget[],
  guard: Guard,
): Promise<ClusterPlan[]> {
  try {
    return await preflightClusters(d.kubectl, targets, d.refs, d.rendered, {
      serverSide: d.s.server_side,
      log: d.deps.log,
    });
  } catch (err) {
    if (!(err instanceof ClusterFailuresError)) throw err;
    const note = await guard.undoNamespaces();
    throw new PluginError(err.describe('preflight failed', `; nothing was applied anywhere${note}`));
  }
}

/** Under the locks: preflight, then a dry run's diff, or record, deploy, release and report. */
async function deployGuarded(d: Deploy, targets: readonly ClusterTarget[], guard: Guard): Promise<void> {
  const { s, deps } = d;
  deps.log.section('Preflight');
  const plans = await preflightOrStop(d, targets, guard);
  const analysis = analysisOf(d, plans);
  const untouched = (result: ClusterRun['result']) =>
    runsOf(
      plans,
      plans.map(() => ({ result, applied: false })),
    );
  if (s.dry_run) {
    await printDiffs(d.kubectl, targets, d.rendered, deps.log);
    writeSummary(s.summaryFile, summarize(d, targets, untouched('unchanged'), 'dry_run'));
    deps.log.info('dry run: nothing was applied');
    return;
  }
  const cancelledEarly = cancellation(deps.signal);
  if (cancelledEarly) {
    const note = await guard.undoNamespaces();
    writeSummary(s.summaryFile, summarize(d, targets, untouched('skipped'), 'cancelled'));
    throw new PluginError(`cancelled by ${cancelledEarly.signal} before anything was applied${note}`);
  }
  const holder = holderFrom('gke-deploy', d.ctx);
  await guard.record(plans, holder, [...new Set([...d.images.values()].flat())], d.started);
  const deployed = await deployClusters(plans, d.rendered, s, {
    kubectl: d.kubectl,
    log: deps.log,
    deps,
    timeoutMs: s.timeoutMs,
    cancelGraceMs: s.cancelGraceMs,
    expect: expectation(d.ctx, d.images),
    analysis,
  });
  const runs = runsOf(plans, deployed.outcomes);
  const summary = summarize(d, targets, runs, deployed.result, deployed.analysis);
  writeSummary(s.summaryFile, summary);
  await guard.release(runs);
  reportResult(summary, runs, deps.log, deps.now() - d.started, cancellation(deps.signal)?.signal);
}

/** Every cluster's lock taken (and what a dead run left repaired) around deployGuarded. */
async function deployToClusters(d: Deploy, targets: readonly ClusterTarget[]): Promise<void> {
  const { s, deps } = d;
  deps.log.info(
    `${targets.length} cluster(s): ${targets.map((t) => `${t.id} (namespace ${t.namespace})`).join(', ')}`,
  );
  const guard = await guardClusters(d.kubectl, targets, holderFrom('gke-deploy', d.ctx), {
    // A dry run changes nothing: it neither waits for nor holds the lock.
    lock: s.dry_run ? 'off' : s.lock,
    lockTimeoutMs: s.lockTimeoutMs,
    onAbandoned: s.onAbandoned,
    createNamespace: s.create_namespace && !s.dry_run,
    timeoutMs: s.timeoutMs,
    pollMs: deps.pollMs,
    now: deps.now,
    signal: deps.signal,
    log: deps.log,
  });
  try {
    await deployGuarded(d, targets, guard);
  } finally {
    // Released already on the normal path. After an unexpected error the clusters' state
    // is unknown: a record already written stays for the next run to repair.
    await guard.releaseAfterError();
  }
}

/** Render, then access every cluster, take its lock and check the manifests everywhere before applying. */
async function deploy(env: Env, s: Settings, ctx: BuildContext, deps: Deps, started: number): Promise<void> {
  const kubectl = createKubectl(deps.exec, deps.kubectl);
  deps.log.section('Render');
  const rendered = await renderAll(s, ctx, env, deps);
  deps.log.section('Clusters');
  const access = await resolveClusters(s, s.source, deps);
  try {
    const managed = managedAccess(access.google, deps.log);
    checkEndpoints(access.targets, s.analysis, managed);
    await deployToClusters({ s, ctx, deps, kubectl, started, managed, ...rendered }, access.targets);
  } finally {
    access.close();
  }
}

export async function run(env: Env, partial: Partial<Deps> = {}): Promise<void> {
  const deps = withDeps(partial);
  const started = deps.now();
  const s = resolveSettings(env, deps);
  const ctx = readBuildContext(env);
  try {
    await deploy(env, s, ctx, deps, started);
  } finally {
    // Harness's output variables and Drone's card, from the summary this run wrote.
    publishSummary(env, { summaryFile: s.summaryFile, started }, deps.log);
  }
}
