// gke-deploy: render the manifests, take every cluster's deploy lock, check the manifests on
// every cluster, record what is about to change, apply, wait for every rollout, verify, and
// roll every changed cluster back when anything fails or the run is cancelled.
import { resolve } from 'node:path';
import { cancellation } from '../../common/cancel.ts';
import { type DroneContext, readDroneContext } from '../../common/drone.ts';
import { parseDuration } from '../../common/duration.ts';
import { ClusterFailuresError, PluginError } from '../../common/errors.ts';
import type { GoogleClient, GoogleClientOptions } from '../../common/gcp/auth.ts';
import type { OnAbandoned } from '../../common/kube/abandoned.ts';
import { resolveClusters } from '../../common/kube/access.ts';
import { createKubectl, type Kubectl } from '../../common/kube/kubectl.ts';
import { holderFrom, type LockMode } from '../../common/kube/lock.ts';
import { settleAll } from '../../common/kube/settle.ts';
import type { ClusterTarget } from '../../common/kube/target.ts';
import {
  buildOfWorkload,
  imagesOf,
  type KubeObject,
  refKey,
  sameImages,
} from '../../common/kube/workloads.ts';
import { type BaseDeps, readSettingsWithSources, withBaseDeps } from '../../common/plugin.ts';
import type { Env } from '../../common/settings.ts';
import { writeSummary } from '../../common/summary.ts';
import { checkSettings } from './checks.ts';
import { type Before, diff, preflight, type Rendered, snapshot } from './cluster-ops.ts';
import { type Guard, guardClusters } from './guard.ts';
import { renderAll } from './render.ts';
import { buildSummary, type ClusterRun } from './report.ts';
import { deployClusters } from './rollout.ts';
import { schema } from './schema.ts';
import type { Settings } from './settings.ts';
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

function defaults(partial: Partial<Deps>): Deps {
  const base = withBaseDeps<Deps>(partial);
  return {
    kubectl: 'kubectl',
    workspace: process.cwd(),
    fetch: (url, init) => fetch(url, init),
    pollMs: 1000,
    ...base,
  } as Deps;
}

/**
 * Whether a live workload still carries this run's pod template (its build annotation and
 * images): undefined when it does, else who replaced it.
 */
function expectation(ctx: DroneContext, images: ReadonlyMap<string, string[]>) {
  return (o: KubeObject): string | undefined => {
    const want = images.get(refKey({ kind: o.kind as 'Deployment', name: o.metadata.name }));
    if (!want) return undefined;
    const build = buildOfWorkload(o);
    if (build === ctx.build.number && sameImages(imagesOf(o), want)) return undefined;
    const by = build !== undefined && build !== ctx.build.number ? `build ${build}` : 'another deploy';
    return `superseded by ${by} (${imagesOf(o).join(', ')})`;
  };
}

/** Preflight and snapshot on every cluster; throws a ClusterFailuresError naming every cluster that failed. */
async function preflightAll(
  kubectl: Kubectl,
  runs: ClusterRun[],
  rendered: Rendered,
  s: Settings,
  deps: Deps,
): Promise<void> {
  await settleAll(
    runs,
    (r) => r.target.id,
    async (r) => {
      // The snapshot is taken under the lock: between now and apply nothing of ours changes.
      const [, before] = await Promise.all([
        preflight(kubectl, r.target, rendered, { serverSide: s.server_side }),
        snapshot(kubectl, r.target, r.refs),
      ]);
      r.before = before;
      deps.log.info(`[${r.target.id}] server-side dry-run passed`);
    },
  );
}

interface Deploy {
  s: Settings;
  ctx: DroneContext;
  deps: Deps;
  kubectl: Kubectl;
  rendered: Rendered;
  refs: ClusterRun['refs'];
  images: ReadonlyMap<string, string[]>;
  started: number;
  summaryFile: string;
  timeoutMs: number;
}

async function deployGuarded(d: Deploy, targets: readonly ClusterTarget[], guard: Guard): Promise<void> {
  const { s, ctx, deps, kubectl, rendered } = d;
  const { log } = deps;
  log.section('Preflight');
  const runs: ClusterRun[] = targets.map((t) => ({
    target: t,
    refs: d.refs,
    before: new Map<string, Before>(),
    result: 'skipped',
  }));
  const summaryBase = { started: d.started, ctx, images: d.images, targets };
  try {
    await preflightAll(kubectl, runs, rendered, s, deps);
  } catch (err) {
    if (!(err instanceof ClusterFailuresError)) throw err;
    const note = await guard.undoNamespaces();
    throw new PluginError(err.describe('preflight failed', `; nothing was applied anywhere${note}`));
  }
  if (s.dry_run) {
    for (const t of targets)
      log.info(`[${t.id}] kubectl diff:\n${(await diff(kubectl, t, rendered)) || '(no changes)'}`);
    for (const r of runs) r.result = 'unchanged';
    writeSummary(
      d.summaryFile,
      buildSummary({ ...summaryBase, runs, result: 'dry_run', finished: deps.now() }),
    );
    log.info('dry run: nothing was applied');
    return;
  }
  const { reportResult } = await import('./report.ts');
  const cancelledEarly = cancellation(deps.signal);
  if (cancelledEarly) {
    const note = await guard.undoNamespaces();
    writeSummary(
      d.summaryFile,
      buildSummary({ ...summaryBase, runs, result: 'cancelled', finished: deps.now() }),
    );
    throw new PluginError(`cancelled by ${cancelledEarly.signal} before anything was applied${note}`);
  }
  await guard.record(
    runs,
    holderFrom('gke-deploy', ctx),
    [...new Set([...d.images.values()].flat())],
    d.started,
  );

  const result = await deployClusters(runs, rendered, s, {
    kubectl,
    log,
    deps,
    timeoutMs: d.timeoutMs,
    cancelGraceMs: parseDuration(s.cancel_grace),
    expect: expectation(ctx, d.images),
  });
  const summary = buildSummary({ ...summaryBase, runs, result, finished: deps.now() });
  writeSummary(d.summaryFile, summary);
  await guard.release(runs);
  reportResult(summary, runs, log, deps.now() - d.started, cancellation(deps.signal)?.signal);
}

export async function run(env: Env, partial: Partial<Deps> = {}): Promise<void> {
  const deps = defaults(partial);
  const { log } = deps;
  const started = deps.now();
  const { settings: s, source } = readSettingsWithSources<Settings>(
    schema,
    env,
    log,
    checkSettings(deps.workspace),
  );
  const ctx = readDroneContext(env);
  const timeoutMs = s.wait_seconds !== undefined ? s.wait_seconds * 1000 : parseDuration(s.timeout);
  const kubectl = createKubectl(deps.exec, deps.kubectl);
  const summaryFile = resolve(deps.workspace, s.summary_file);

  // 1. Everything that needs no cluster.
  log.section('Render');
  const { rendered, refs, images } = renderAll(s, source, ctx, env, deps.workspace, log);

  // 2. Access every cluster, take its lock, then check the manifests everywhere before applying.
  log.section('Clusters');
  const access = await resolveClusters(s, source, deps);
  try {
    const { targets } = access;
    log.info(
      `${targets.length} cluster(s): ${targets.map((t) => `${t.id} (namespace ${t.namespace})`).join(', ')}`,
    );
    const guard = await guardClusters(kubectl, targets, holderFrom('gke-deploy', ctx), {
      // A dry run changes nothing: it neither waits for nor holds the lock.
      lock: s.dry_run ? 'off' : (s.lock as LockMode),
      lockTimeoutMs: parseDuration(s.lock_timeout),
      onAbandoned: s.on_abandoned as OnAbandoned,
      createNamespace: s.create_namespace && !s.dry_run,
      timeoutMs,
      pollMs: deps.pollMs,
      now: deps.now,
      signal: deps.signal,
      log,
    });
    const d: Deploy = {
      s,
      ctx,
      deps,
      kubectl,
      rendered,
      refs,
      images,
      started,
      summaryFile,
      timeoutMs,
    };
    try {
      await deployGuarded(d, targets, guard);
    } finally {
      // Released already on the normal path. After an unexpected error the clusters' state
      // is unknown: a record already written stays for the next run to repair.
      await guard.releaseAfterError();
    }
  } finally {
    access.close();
  }
}
