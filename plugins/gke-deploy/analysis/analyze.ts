// The analysis of one cluster: every check's query rendered with the cluster's variables and
// sent to the cluster's endpoint, the checks run side by side, one result each.
import { PluginError } from '../../../common/errors.ts';
import { type AnalysisDeps, type CheckResult, runCheck } from './loop.ts';
import type { PromEndpoint } from './prometheus.ts';
import {
  type AnalysisEndpoint,
  type AnalysisSettings,
  type QueryVariables,
  renderQuery,
} from './settings.ts';

/** Where Google Cloud Managed Service for Prometheus answers. */
export const MONITORING_ROOT = 'https://monitoring.googleapis.com';

export interface ManagedAccess {
  /** The project when `project` is not set: the credentials'. */
  project?: string | undefined;
  /** A bearer token from the step's Google credentials. */
  token: () => Promise<string>;
  /** For tests and private endpoints: replaces https://monitoring.googleapis.com. */
  root?: string | undefined;
}

/** The endpoint the queries of cluster `id` go to; throws when the settings give it none. */
export function endpointFor(
  endpoint: AnalysisEndpoint,
  id: string,
  headers: Readonly<Record<string, string>>,
  managed?: ManagedAccess,
): PromEndpoint {
  if (endpoint.kind === 'url') return { base: endpoint.url, headers };
  if (endpoint.kind === 'per-cluster') {
    const base = endpoint.urls[id];
    if (base === undefined) {
      const named = Object.keys(endpoint.urls).join(', ');
      throw new PluginError(
        `analysis_endpoint has no URL for cluster "${id}" (it names ${named}); add "${id}": URL`,
      );
    }
    return { base, headers };
  }
  const project = endpoint.project ?? managed?.project;
  if (!managed || project === undefined) {
    throw new PluginError(
      'analysis_endpoint managed needs a project and Google credentials; set "project" and "token"',
    );
  }
  const root = (endpoint.root ?? managed.root ?? MONITORING_ROOT).replace(/\/+$/, '');
  return { base: `${root}/v1/projects/${project}/location/global/prometheus`, headers, token: managed.token };
}

export interface ClusterAnalysis {
  /** The cluster's id, e.g. asia-northeast1/web. */
  cluster: string;
  vars: QueryVariables;
  endpoint: PromEndpoint;
}

/**
 * Every check on one cluster, side by side; a result per check, in the settings' order.
 * `onFailed` hears of a failed check as soon as it fails, not when the others end.
 */
export async function analyzeCluster(
  target: ClusterAnalysis,
  settings: AnalysisSettings,
  deps: AnalysisDeps,
  onFailed: () => void = () => {},
): Promise<CheckResult[]> {
  const results = await Promise.all(
    settings.checks.map(async (check) => {
      const r = await runCheck(
        {
          check,
          cluster: target.cluster,
          query: renderQuery(check.query, target.vars, `analysis "${check.name}" query`),
          endpoint: target.endpoint,
          timeoutMs: settings.timeoutMs,
        },
        deps,
      );
      if (r.verdict === 'failed') onFailed();
      return r;
    }),
  );
  for (const r of results.filter((r) => r.verdict === 'failed')) {
    deps.log.warn(`[${r.cluster}] ${r.name} failed: ${r.breach}`);
  }
  return results;
}
