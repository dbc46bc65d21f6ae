// Phase 1 of gke-deploy: everything that needs no cluster. Templates (or kustomize folders)
// rendered, images set, provenance and the rolling-update policy applied, workloads to wait
// for chosen.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import type { BuildContext } from '../../common/ci.ts';
import { PluginError, type SettingIssue, SettingsError } from '../../common/errors.ts';
import type { Exec } from '../../common/exec.ts';
import { stepNamespace } from '../../common/kube/access.ts';
import { refKey, type WorkloadRef } from '../../common/kube/workloads.ts';
import type { Logger } from '../../common/log.ts';
import type { Env } from '../../common/settings.ts';
import type { Rendered } from './cluster-ops.ts';
import { secretData, templateData } from './data.ts';
import { addProvenance, applyStrategyPolicy } from './decorate.ts';
import { containerLists, parseImageRef, replaceImages } from './images.ts';
import { renderKustomizations } from './kustomize.ts';
import { loadManifests, type Manifest, templateFiles } from './manifests.ts';
import type { Settings } from './settings.ts';

export interface RenderResult {
  rendered: Rendered;
  refs: WorkloadRef[];
  /** Images of each workload after the deploy (key: deployment/web). */
  images: Map<string, string[]>;
}

function workloadRefs(
  manifests: readonly Manifest[],
  s: Settings,
): { refs: WorkloadRef[]; issues: SettingIssue[] } {
  const kinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', ...(s.wait_jobs ? ['Job'] : [])]);
  const all = manifests
    .filter((m) => kinds.has(m.doc.kind))
    .map((m) => ({ kind: m.doc.kind, name: m.doc.metadata.name }) as WorkloadRef);
  if (!s.waitFor) return { refs: all, issues: [] };
  const missing = s.waitFor.filter((ref) => !all.some((a) => refKey(a) === refKey(ref)));
  const issues = missing.map((ref) => ({
    setting: 'wait_deployments',
    variable: s.source('wait_deployments'),
    problem: `"${refKey(ref)}" is not a workload in the templates (have: ${all.map(refKey).join(', ') || 'none'}${s.wait_jobs || ref.kind !== 'Job' ? '' : '; Jobs only with wait_jobs: true'}); name one of those`,
  }));
  return { refs: s.waitFor, issues };
}

/** Each `images` entry that no container took (counts from replaceImages) is a problem. */
function unmatchedImages(
  manifests: readonly Manifest[],
  images: readonly string[],
  counts: readonly number[],
  source: (k: string) => string,
): SettingIssue[] {
  const used = [
    ...new Set(
      manifests.flatMap((m) =>
        containerLists(m.doc).flatMap((l) => l.map((c) => parseImageRef(String(c.image)).repository)),
      ),
    ),
  ];
  const have =
    used.length > 0
      ? `the templates' images are ${used.slice(0, 10).join(', ')}`
      : 'the templates have no containers';
  return images.flatMap((image, i) =>
    counts[i] === 0
      ? [
          {
            setting: 'images',
            variable: source('images'),
            problem: `"${image}" matches no container in the templates (${have}); give the repository they use (registry/path/name, before the tag), or remove the entry`,
          },
        ]
      : [],
  );
}

interface Loaded {
  data: Record<string, unknown>;
  manifests: Manifest[];
  secretManifests: Manifest[];
}

/** The manifests: from `kustomize` (kubectl kustomize) or from the templates, rendered with `data`. */
function mainManifests(
  s: Settings,
  data: Record<string, unknown>,
  workspace: string,
  tools: RenderTools,
): Promise<Manifest[]> | Manifest[] {
  if (s.kustomize) {
    const deps = { ...tools, workspace, variable: s.source('kustomize') };
    return renderKustomizations(s.kustomize, deps);
  }
  return templateFiles(s.template, workspace, s.source('template')).flatMap((f) =>
    loadManifests(f, data, workspace),
  );
}

/** What rendering needs besides the settings: the workspace, the log, and kubectl for `kustomize`. */
export interface RenderDeps extends RenderTools {
  workspace: string;
  log: Logger;
}

/** kubectl, for `kustomize`. */
interface RenderTools {
  exec: Exec;
  kubectl: string;
}

/** Every manifest rendered and parsed (the secret template with SECRET_* data, masked). */
async function loadAll(s: Settings, ctx: BuildContext, env: Env, deps: RenderDeps): Promise<Loaded> {
  const { workspace, log } = deps;
  const namespace = stepNamespace(s, s.source);
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
  const manifests = await mainManifests(s, data, workspace, deps);
  // checkSettings() has made sure that the secret template is not a folder.
  const secretPath = resolve(workspace, s.secret_template);
  const secretManifests =
    !s.skip_secret_template && existsSync(secretPath)
      ? loadManifests(secretPath, { ...data, ...secretData(env) }, workspace)
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
  return { data, manifests, secretManifests };
}

/**
 * Sets the images; an image that sets nothing would deploy the templates' image instead:
 * refused, with a wait_deployments entry that names no workload, before anything else is
 * decided. Returns the workloads to wait for.
 */
function setImages(manifests: readonly Manifest[], s: Settings, log: Logger): WorkloadRef[] {
  const counts = replaceImages(
    manifests.map((m) => m.doc),
    s.images,
  );
  const workloads = workloadRefs(manifests, s);
  const issues = [...unmatchedImages(manifests, s.images, counts, s.source), ...workloads.issues];
  if (issues.length > 0) throw new SettingsError(issues);
  counts.forEach((n, i) => {
    log.info(`image ${s.images[i]} set on ${n} container${n > 1 ? 's' : ''}`);
  });
  return workloads.refs;
}

/** Provenance on every workload, then the rolling-update policy (which may refuse the deploy). */
function decorate(manifests: readonly Manifest[], s: Settings, ctx: BuildContext, log: Logger): void {
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
  if (s.strategy_policy === 'off') return;
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

export async function renderAll(
  s: Settings,
  ctx: BuildContext,
  env: Env,
  deps: RenderDeps,
): Promise<RenderResult> {
  const { log } = deps;
  const { data, manifests, secretManifests } = await loadAll(s, ctx, env, deps);
  const refs = setImages(manifests, s, log);
  decorate(manifests, s, ctx, log);
  const rendered: Rendered = {
    manifests: manifests.map((m) => stringify(m.doc)).join('---\n'),
    secrets: secretManifests.map((m) => stringify(m.doc)).join('---\n'),
  };
  log.info(
    `rendered ${manifests.length} manifest(s)${secretManifests.length ? ` and ${secretManifests.length} secret manifest(s)` : ''}; waiting for ${refs.map(refKey).join(', ') || 'nothing'}`,
  );
  if (s.verbose) log.info(`variables: ${JSON.stringify(data, null, 2)}\n---\n${rendered.manifests}`);
  const images = new Map(
    manifests.map((m) => [
      refKey({ kind: m.doc.kind as WorkloadRef['kind'], name: m.doc.metadata.name }),
      (containerLists(m.doc)[0] ?? []).map((c) => c.image),
    ]),
  );
  return { rendered, refs, images };
}
