// What the metrics-analysis e2e tests share: the settings of an error-rate check against the
// testbed's Prometheus (its simulated service metrics, labelled with cluster, namespace,
// Deployment and image tag), a tag of its own per test, and reading the summary.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploySummary } from '../../../common/summary.ts';
import type { TestbedState } from '../../testbed/state.ts';
import { gkeEnv } from './harness.ts';

/** A tag no other test uses, so that its traffic rule touches this test alone. */
export function uniqueTag(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** The share of 500s the rolled-out tag served over the last 5 s, on this cluster and Deployment. */
export function errorRateQuery(tag: string): string {
  const sel = `cluster="{{.cluster}}",namespace="{{.namespace}}",deployment="{{.deployment}}",image_tag="${tag}"`;
  return `sum(rate(http_requests_total{${sel},code="500"}[5s])) / sum(rate(http_requests_total{${sel}}[5s]))`;
}

export interface CheckOptions {
  query?: string;
  count?: number;
  on_no_data?: 'fail' | 'pass' | 'retry';
}

/** One error-rate check, measured every second: short, so that each test takes seconds. */
export function errorRateCheck(tag: string, o: CheckOptions = {}): Record<string, unknown> {
  return {
    name: 'error-rate',
    query: o.query ?? errorRateQuery(tag),
    max: 0.05,
    interval: '1s',
    count: o.count ?? 2,
    // A new tag's series need a few scrapes before rate() answers.
    on_no_data: o.on_no_data ?? 'retry',
  };
}

/** The settings of a deploy of `tag` with `checks`, to the testbed's two clusters. */
export function analysisEnv(
  tb: TestbedState,
  ns: string,
  build: number,
  tag: string,
  analysis: Record<string, string> = {},
): Record<string, string> {
  return gkeEnv(tb, ns, {
    PLUGIN_CREATE_NAMESPACE: 'true',
    PLUGIN_VARS: JSON.stringify({ app: 'web', tag, deadline: 6 }),
    SECRET_API_TOKEN: 'canary-api-token-analysis-3c8b',
    DRONE_BUILD_NUMBER: String(build),
    PLUGIN_ANALYSIS_ENDPOINT: tb.prometheus.url,
    PLUGIN_ANALYSIS_DELAY: '2s',
    PLUGIN_ANALYSIS_TIMEOUT: '40s',
    ...analysis,
  });
}

export function readDeploySummary(ws: string): DeploySummary {
  return JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
}

/** The id of testbed cluster `i` as the plugin names it: location/name. */
export function clusterId(tb: TestbedState, i: number): string {
  const c = tb.clusters[i];
  return `${c?.location}/${c?.name}`;
}

/** A measured value to six decimals: Prometheus's floating point may answer 0.2 as 0.19999999999999998. */
export function round6(v: number | null): number | null {
  return v === null ? null : Math.round(v * 1e6) / 1e6;
}
