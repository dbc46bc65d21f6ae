// gke-deploy: render the manifests, check them on every cluster, apply, wait for every
// rollout, verify, and roll every changed cluster back when anything fails.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { stringify } from 'yaml';
import { readDroneContext } from '../../common/drone.ts';
import { formatDuration, parseDuration } from '../../common/duration.ts';
import { PluginError, SettingsError } from '../../common/errors.ts';
import type { GoogleClient, GoogleClientOptions } from '../../common/gcp/auth.ts';
import { resolveClusters } from '../../common/kube/access.ts';
import { checkClusterAccess } from '../../common/kube/access-check.ts';
import { createKubectl } from '../../common/kube/kubectl.ts';
import { waitForRollouts } from '../../common/kube/rollout.ts';
import type { ClusterTarget } from '../../common/kube/target.ts';
import { sanitizeNamespace } from '../../common/kube/target.ts';
import { parseWorkloadRef, refKey, type WorkloadRef } from '../../common/kube/workloads.ts';
import { type BaseDeps, readSettingsWithSources, withBaseDeps } from '../../common/plugin.ts';
import type { SettingsOf } from '../../common/schema.ts';
import type { Env } from '../../common/settings.ts';
import { type DeploySummary, writeSummary } from '../../common/summary.ts';
import {
  apply,
  type Before,
  diff,
  dryRun,
  ensureNamespace,
  type Rendered,
  rollBack,
  snapshot,
} from './cluster-ops.ts';
import { secretData, templateData } from './data.ts';
import { addProvenance, applyStrategyPolicy } from './decorate.ts';
import { containerLists, replaceImages } from './images.ts';
import { loadManifests, type Manifest, templateFiles } from './manifests.ts';
import { buildSummary, type ClusterRun, renderTable } from './report.ts';
import { schema } from './schema.ts';
import { type Fetch, runCheck, toChecks } from './verify.ts';

export type Settings = SettingsOf<typeof schema>;

export interface Deps extends BaseDeps {
  /** The kubectl to run (default: kubectl on PATH). */
  kubectl: string;
  /** How kubectl calls this plugin back for tokens: [node, script]. */
  selfCommand: string[];
  googleClient?: (opts: GoogleClientOptions) => Promise<GoogleClient>;
  workspace: string;
  fetch: Fetch;
  pollMs: number;
}

function defaults(partial: Partial<Deps>): Deps {
  const base = withBaseDeps<Deps>(partial);
  return {
    kubectl: 'kubectl',
    selfCommand: [process.execPath, ...process.execArgv, process.argv[1] ?? ''],
    workspace: process.cwd(),
    fetch: (url, init) => fetch(url, init),
    pollMs: 1000,
    ...base,
  } as Deps;
}

function check(s: Settings, source: (k: string) => string) {
  const issues = checkClusterAccess(s, source);
  if (s.wait_seconds !== undefined && s.timeout !== '5m') {
    issues.push({
      setting: 'wait_seconds',
      variable: source('wait_seconds'),
      problem: 'set "timeout" or "wait_seconds", not both',
    });
  }
  return issues;
}

function workloadRefs(
  manifests: readonly Manifest[],
  s: Settings,
  source: (k: string) => string,
): WorkloadRef[] {
  const kinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', ...(s.wait_jobs ? ['Job'] : [])]);
  const all = manifests
    .filter((m) => kinds.has(m.doc.kind))
    .map((m) => ({ kind: m.doc.kind, name: m.doc.metadata.name }) as WorkloadRef);
  if (!s.wait_deployments) return all;
  const wanted = s.wait_deployments.map((w) => {
    const ref = parseWorkloadRef(w);
    if (!ref || !all.some((a) => refKey(a) === refKey(ref))) {
      throw new SettingsError([
        {
          setting: 'wait_deployments',
          variable: source('wait_deployments'),
          problem: `"${w}" is not a workload in the templates (have: ${all.map(refKey).join(', ')})`,
        },
      ]);
    }
    return ref;
  });
  return wanted;
}

function imagesOfManifest(m: Manifest): string[] {
  return (containerLists(m.doc)[0] ?? []).map((c) => c.image);
}

export async function run(env: Env, partial: Partial<Deps> = {}): Promise<void> {
  const deps = defaults(partial);
  const { log } = deps;
  const started = deps.now();
  const { settings: s, source } = readSettingsWithSources<Settings>(schema, env, log, check);
  const ctx = readDroneContext(env);
  const timeoutMs = s.wait_seconds !== undefined ? s.wait_seconds * 1000 : parseDuration(s.timeout);
  const namespace = sanitizeNamespace(s.namespace);
  const kubectl = createKubectl(deps.exec, deps.kubectl);

  // 1. Render everything before touching any cluster.
  log.section('Render');
  const data = templateData({
    ctx,
    vars: s.vars,
    expandEnvVars: s.expand_env_vars,
    env,
    namespace,
    cluster: s.cluster ?? '',
    project: s.project ?? '',
    zone: s.zone ?? s.region ?? s.location ?? '',
  });
  const manifests = templateFiles(s.template, deps.workspace, source('template')).flatMap((f) =>
    loadManifests(f, data, deps.workspace),
  );
  const secretPath = resolve(deps.workspace, s.secret_template);
  if (existsSync(secretPath) && statSync(secretPath).isDirectory()) {
    throw new SettingsError([
      {
        setting: 'secret_template',
        variable: source('secret_template'),
        problem: `${s.secret_template} is a folder; name one file`,
      },
    ]);
  }
  const summaryDir = dirname(resolve(deps.workspace, s.summary_file));
  if (!existsSync(summaryDir)) {
    throw new SettingsError([
      {
        setting: 'summary_file',
        variable: source('summary_file'),
        problem: `its folder ${summaryDir} does not exist`,
      },
    ]);
  }
  const secretManifests = existsSync(secretPath)
    ? loadManifests(secretPath, { ...data, ...secretData(env) }, deps.workspace)
    : [];
  for (const v of Object.values(secretData(env))) log.masker.add(v);
  for (const m of manifests) {
    const ns = m.doc.metadata.namespace;
    if (ns !== undefined && ns !== namespace) {
      throw new PluginError(
        `${m.file}:${m.line}: ${m.doc.kind}/${m.doc.metadata.name} is in namespace "${ns}" but the step deploys to "${namespace}"; remove metadata.namespace or set "namespace"`,
      );
    }
  }
  const counts = replaceImages(
    manifests.map((m) => m.doc),
    s.images,
  );
  counts.forEach((n, i) => {
    if (n === 0) log.warn(`images: ${s.images[i]} matches no container image in the templates`);
    else log.info(`image ${s.images[i]} set on ${n} container${n > 1 ? 's' : ''}`);
  });
  const deployer = ctx.commit.author.username || ctx.commit.author.name || undefined;
  const cause = `gke-deploy build ${ctx.build.number ?? '?'}${ctx.commit.sha ? ` (${ctx.commit.sha.slice(0, 8)})` : ''}${deployer ? ` by ${deployer}` : ''}`;
  addProvenance(
    manifests,
    {
      build: ctx.build.number,
      commit: ctx.commit.sha,
      buildLink: ctx.build.link,
      deployer,
      repo: ctx.repo.slug,
    },
    cause,
  );
  const findings = applyStrategyPolicy(manifests, s.default_strategy);
  if (s.strategy_policy !== 'off') {
    for (const f of findings) {
      const text = `${f.manifest.file}:${f.manifest.line}: Deployment ${f.manifest.doc.metadata.name} ${f.problem}`;
      if (s.strategy_policy === 'enforce') log.error(text);
      else log.warn(text);
    }
    if (s.strategy_policy === 'enforce' && findings.length > 0) {
      throw new PluginError(
        `${findings.length} Deployment(s) may drop capacity during a rollout (strategy_policy: enforce); nothing was applied`,
      );
    }
  }
  const refs = workloadRefs(manifests, s, source);
  const rendered: Rendered = {
    manifests: manifests.map((m) => stringify(m.doc)).join('---\n'),
    secrets: secretManifests.map((m) => stringify(m.doc)).join('---\n'),
  };
  log.info(
    `rendered ${manifests.length} manifest(s)${secretManifests.length ? ` and ${secretManifests.length} secret manifest(s)` : ''}; waiting for ${refs.map(refKey).join(', ') || 'nothing'}`,
  );
  if (s.verbose) log.info(`variables: ${JSON.stringify(data, null, 2)}\n---\n${rendered.manifests}`);

  // 2. Access every cluster, then check the manifests on every cluster before applying anywhere.
  log.section('Clusters');
  const targets = await resolveClusters(s, source, deps);
  log.info(
    `${targets.length} cluster(s): ${targets.map((t) => `${t.id} (namespace ${t.namespace})`).join(', ')}`,
  );
  log.section('Preflight');
  const pre = await Promise.allSettled(
    targets.map(async (t) => {
      await ensureNamespace(kubectl, t, s.create_namespace && !s.dry_run, log);
      await dryRun(kubectl, t, rendered, s.server_side);
      log.info(`[${t.id}] server-side dry-run passed`);
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
  const images = new Map(
    manifests.map((m) => [
      refKey({ kind: m.doc.kind as WorkloadRef['kind'], name: m.doc.metadata.name }),
      imagesOfManifest(m),
    ]),
  );
  const summaryBase = { started, ctx, images, targets };
  if (s.dry_run) {
    for (const t of targets)
      log.info(`[${t.id}] kubectl diff:\n${(await diff(kubectl, t, rendered)) || '(no changes)'}`);
    const runs = targets.map(
      (t): ClusterRun => ({ target: t, before: new Map(), result: 'unchanged', refs }),
    );
    writeSummary(
      resolve(deps.workspace, s.summary_file),
      buildSummary({ ...summaryBase, runs, result: 'dry_run', finished: deps.now() }),
    );
    log.info('dry run: nothing was applied');
    return;
  }

  // 3. Apply and wait: all clusters at once, or the first as a canary, then the rest.
  log.section('Deploy');
  const deadline = deps.now() + timeoutMs;
  const abort = new AbortController();
  const runs: ClusterRun[] = targets.map((t) => ({
    target: t,
    before: new Map<string, Before>(),
    result: 'skipped',
    refs,
  }));
  const deployOne = async (r: ClusterRun) => {
    r.before = await snapshot(kubectl, r.target, refs);
    r.result = 'failed';
    r.applied = true;
    await apply(kubectl, r.target, rendered, s.server_side);
    const w = await waitForRollouts(kubectl, r.target, refs, log, {
      deadline,
      pollMs: deps.pollMs,
      signal: abort.signal,
      now: deps.now,
    });
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
  let ok = s.parallel ? await deployAll(runs) : await deployAll(runs.slice(0, 1));
  if (!s.parallel && ok && runs.length > 1) {
    log.info(`canary ${runs[0]?.target.id} is healthy; deploying to the other ${runs.length - 1} cluster(s)`);
    ok = await deployAll(runs.slice(1));
  }

  // 4. Verify from outside.
  if (ok && s.verify.length > 0) {
    log.section('Verify');
    const problems = (await Promise.all(toChecks(s.verify).map((c) => runCheck(c, deps.fetch)))).filter(
      (p) => p !== undefined,
    );
    for (const p of problems) log.error(`verify: ${p}`);
    if (problems.length > 0) {
      ok = false;
      for (const r of runs) if (r.result === 'deployed') r.error = `verify failed: ${problems[0]}`;
      for (const r of runs) if (r.result === 'deployed') r.result = 'failed';
    } else log.info(`verify: ${s.verify.length} check(s) passed`);
  }

  // 5. On any failure, put every changed cluster back.
  let result: DeploySummary['result'] = ok ? 'deployed' : 'failed';
  if (!ok && s.rollback_on_failure) {
    log.section('Rollback');
    const changed = runs.filter((r) => r.applied);
    const rollDeadline = deps.now() + timeoutMs;
    const back = await Promise.allSettled(
      changed.map(async (r) => {
        const undone = await rollBack(kubectl, r.target, refs, r.before, log);
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
      if (b.status === 'rejected')
        r.error = `${r.error ?? ''}; ${(b.reason as Error).message}`.replace(/^; /, '');
    });
    result = back.every((b) => b.status === 'fulfilled') ? 'rolled_back' : 'failed';
  }
  const summary = buildSummary({ ...summaryBase, runs, result, finished: deps.now() });
  writeSummary(resolve(deps.workspace, s.summary_file), summary);
  log.section('Result');
  log.info(renderTable(summary));
  log.info(
    `${result === 'deployed' ? 'deployed' : result === 'rolled_back' ? 'deploy failed and was rolled back' : 'deploy failed'} in ${formatDuration(deps.now() - started)}`,
  );
  if (summary.rollbackCommand) log.info(`to roll back by hand: ${summary.rollbackCommand}`);
  if (result !== 'deployed') {
    const why = runs
      .filter((r) => r.error)
      .map((r) => `${r.target.id}: ${r.error}`)
      .join('; ');
    throw new PluginError(
      `${result === 'rolled_back' ? 'the deploy failed and every changed cluster was rolled back' : 'the deploy failed'}: ${why}`,
    );
  }
}

export type { ClusterTarget };
