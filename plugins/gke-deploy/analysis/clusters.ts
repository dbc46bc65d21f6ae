// What each cluster's analysis needs, worked out before anything is applied: the query
// variables ({{.cluster}}, {{.deployment}}, ...) and the endpoint its queries go to. With
// several workloads, {{.deployment}} and {{.image}} are those of the first Deployment the run
// waits for (the order of the manifests, or of wait_deployments): one analysis per check and
// cluster keeps the queries and the summary readable; a query about several Deployments
// aggregates them itself (e.g. deployment=~"web|api").
import type { BuildContext } from '../../../common/ci.ts';
import type { GoogleAccess } from '../../../common/kube/access.ts';
import type { ClusterTarget } from '../../../common/kube/target.ts';
import { refKey } from '../../../common/kube/workloads.ts';
import type { Logger } from '../../../common/log.ts';
import type { ClusterPlan } from '../report.ts';
import { type ClusterAnalysis, endpointFor, type ManagedAccess } from './analyze.ts';
import type { AnalysisSettings, QueryVariables } from './settings.ts';

/** Managed Prometheus's token and project, from the client that reached the GKE clusters. */
export function managedAccess(google: GoogleAccess | undefined, log: Logger): ManagedAccess | undefined {
  if (!google) return undefined;
  return {
    project: google.project,
    token: async () => {
      const { token } = await google.client.getAccessToken();
      log.masker.add(token);
      return token;
    },
  };
}

function queryVariables(
  p: ClusterPlan,
  ctx: BuildContext,
  images: ReadonlyMap<string, string[]>,
  log: Logger,
): QueryVariables {
  const deployments = p.refs.filter((r) => r.kind === 'Deployment');
  const ref = deployments[0] ?? p.refs[0];
  if (deployments.length > 1) {
    log.info(
      `[${p.target.id}] analysis: {{.deployment}} is ${ref?.name}, the first of ${deployments.length} Deployments`,
    );
  }
  return {
    cluster: p.target.name,
    location: p.target.location ?? '',
    namespace: p.target.namespace,
    deployment: ref?.name ?? '',
    build: ctx.build.number !== undefined ? String(ctx.build.number) : '',
    image: (ref && images.get(refKey(ref))?.[0]) ?? '',
  };
}

/**
 * Every cluster's analysis endpoint, found before the locks are taken or a namespace is
 * created: a cluster missing from a per-cluster `analysis_endpoint` stops the run with nothing
 * done anywhere.
 */
export function checkEndpoints(
  targets: readonly ClusterTarget[],
  settings: AnalysisSettings,
  managed: ManagedAccess | undefined,
): void {
  if (settings.checks.length === 0 || settings.endpoint === undefined) return;
  for (const t of targets) endpointFor(settings.endpoint, t.id, settings.headers, managed);
}

/** Each cluster's analysis by cluster id; throws (before any apply) when one has no endpoint. */
export function clusterAnalyses(
  plans: readonly ClusterPlan[],
  settings: AnalysisSettings,
  run: { ctx: BuildContext; images: ReadonlyMap<string, string[]>; managed?: ManagedAccess | undefined },
  log: Logger,
): Map<string, ClusterAnalysis> {
  const out = new Map<string, ClusterAnalysis>();
  if (settings.checks.length === 0 || settings.endpoint === undefined) return out;
  for (const p of plans) {
    const id = p.target.id;
    out.set(id, {
      cluster: id,
      vars: queryVariables(p, run.ctx, run.images, log),
      endpoint: endpointFor(settings.endpoint, id, settings.headers, run.managed),
    });
  }
  return out;
}
