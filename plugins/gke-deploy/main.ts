// gke-deploy: render the manifests, check them on every cluster, apply, wait for every
// rollout, verify, and roll every changed cluster back when anything fails.
import { resolve } from 'node:path';
import { readDroneContext } from '../../common/drone.ts';
import { parseDuration } from '../../common/duration.ts';
import { PluginError } from '../../common/errors.ts';
import type { GoogleClient, GoogleClientOptions } from '../../common/gcp/auth.ts';
import { resolveClusters } from '../../common/kube/access.ts';
import { createKubectl } from '../../common/kube/kubectl.ts';
import { type BaseDeps, readSettingsWithSources, withBaseDeps } from '../../common/plugin.ts';
import type { Env } from '../../common/settings.ts';
import { writeSummary } from '../../common/summary.ts';
import { checkSettings } from './checks.ts';
import { type Before, diff, preflight, snapshot } from './cluster-ops.ts';
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

  // 2. Access every cluster, then check the manifests on all of them before applying anywhere.
  log.section('Clusters');
  const access = await resolveClusters(s, source, deps);
  try {
    const { targets } = access;
    log.info(
      `${targets.length} cluster(s): ${targets.map((t) => `${t.id} (namespace ${t.namespace})`).join(', ')}`,
    );
    log.section('Preflight');
    const runs: ClusterRun[] = targets.map((t) => ({
      target: t,
      refs,
      before: new Map<string, Before>(),
      result: 'skipped',
    }));
    const pre = await Promise.allSettled(
      runs.map(async (r) => {
        // The snapshot is taken now: between preflight and apply nothing of ours changes.
        const [, before] = await Promise.all([
          preflight(
            kubectl,
            r.target,
            rendered,
            { create: s.create_namespace && !s.dry_run, serverSide: s.server_side },
            log,
          ),
          snapshot(kubectl, r.target, refs),
        ]);
        r.before = before;
        log.info(`[${r.target.id}] server-side dry-run passed`);
      }),
    );
    const preFailed = pre.flatMap((r, i) =>
      r.status === 'rejected' ? [`  - ${targets[i]?.id}: ${(r.reason as Error).message}`] : [],
    );
    if (preFailed.length > 0) {
      throw new PluginError(
        `preflight failed on ${preFailed.length} of ${targets.length} cluster(s); nothing was applied anywhere:\n${preFailed.join('\n')}`,
      );
    }
    const summaryBase = { started, ctx, images, targets };
    if (s.dry_run) {
      for (const t of targets)
        log.info(`[${t.id}] kubectl diff:\n${(await diff(kubectl, t, rendered)) || '(no changes)'}`);
      for (const r of runs) r.result = 'unchanged';
      writeSummary(
        summaryFile,
        buildSummary({ ...summaryBase, runs, result: 'dry_run', finished: deps.now() }),
      );
      log.info('dry run: nothing was applied');
      return;
    }

    // 3. Apply, wait, verify; roll back on failure.
    const result = await deployClusters(runs, rendered, s, { kubectl, log, deps, timeoutMs });
    const summary = buildSummary({ ...summaryBase, runs, result, finished: deps.now() });
    writeSummary(summaryFile, summary);
    const { reportResult } = await import('./report.ts');
    reportResult(summary, runs, log, deps.now() - started);
  } finally {
    access.close();
  }
}
