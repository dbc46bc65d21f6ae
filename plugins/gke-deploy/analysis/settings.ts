// The `analysis*` settings, checked across each other and resolved: durations in
// milliseconds, defaults filled in, every query template tried up front with the variables
// it will get, so that a typo stops the step before any cluster is touched.
import { parseDuration } from '../../../common/duration.ts';
import { errorMessage, type SettingIssue } from '../../../common/errors.ts';
import type { Masker } from '../../../common/mask.ts';
import { CHECK_DEFAULTS } from '../schema.ts';
import { renderTemplate } from '../template.ts';
import { clusterIdsOf, credentialsNameProject } from './targets.ts';

export type OnNoData = 'fail' | 'pass' | 'retry';

/** One check, resolved. `query` is still a template: rendered per cluster by renderQuery. */
export interface AnalysisCheck {
  name: string;
  query: string;
  min?: number | undefined;
  max?: number | undefined;
  intervalMs: number;
  count: number;
  failureLimit: number;
  onNoData: OnNoData;
  /** Wait before the first measurement: `analysis_delay`, or this check's interval. */
  delayMs: number;
}

export type AnalysisEndpoint =
  | { kind: 'url'; url: string }
  | { kind: 'per-cluster'; urls: Readonly<Record<string, string>> }
  /** project undefined: the project of the Application Default Credentials, found at run time. */
  | {
      kind: 'managed';
      project: string | undefined;
      /** `monitoring_endpoint`: replaces https://monitoring.googleapis.com. */
      root?: string | undefined;
    };

export interface AnalysisSettings {
  checks: AnalysisCheck[];
  endpoint: AnalysisEndpoint | undefined;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
}

/** The variables a query may use, e.g. {{.cluster}}. */
export const QUERY_VARIABLES = ['cluster', 'location', 'namespace', 'deployment', 'build', 'image'] as const;
export type QueryVariables = Record<(typeof QUERY_VARIABLES)[number], string>;

/** A query with its variables filled in; throws TemplateError (naming `where`) on a problem. */
export function renderQuery(query: string, vars: QueryVariables, where = 'query'): string {
  const fix = `a query may use ${QUERY_VARIABLES.map((v) => `{{.${v}}}`).join(', ')}`;
  return renderTemplate(query, vars, where, fix);
}

type RawCheck = {
  name?: string;
  query?: string;
  min?: number;
  max?: number;
  interval?: string;
  count?: number;
  failure_limit?: number;
  on_no_data?: string;
};

export interface RawAnalysis {
  analysis?: RawCheck[];
  analysis_endpoint?: string | Record<string, string>;
  analysis_headers?: Record<string, string>;
  analysis_delay?: string;
  analysis_timeout?: string;
  monitoring_endpoint?: string;
  project?: string;
  token?: string;
  cluster?: string;
  location?: string;
  region?: string;
  zone?: string;
  clusters?: unknown[];
}

/** The problems of one check (its position `i` named as analysis[i]). */
function checkIssues(c: RawCheck, i: number, seen: Set<string>): string[] {
  const at = `analysis[${i}]`;
  const out: string[] = [];
  if (c.name !== undefined && seen.has(c.name))
    out.push(`${at}.name: "${c.name}" is used twice; names must be unique`);
  if (c.name !== undefined) seen.add(c.name);
  if (c.min === undefined && c.max === undefined) out.push(`${at}: set "min", "max" or both`);
  if (c.min !== undefined && c.max !== undefined && c.min > c.max)
    out.push(`${at}: min ${c.min} is above max ${c.max}; swap them`);
  if (c.query !== undefined) {
    const sample = Object.fromEntries(QUERY_VARIABLES.map((v) => [v, v])) as QueryVariables;
    try {
      renderQuery(c.query, sample, `${at}.query`);
    } catch (err) {
      out.push(errorMessage(err).replace(`${at}.query:1: `, `${at}.query: `));
    }
  }
  return out;
}

function resolveCheck(c: RawCheck, delay: string | undefined): AnalysisCheck {
  const intervalMs = parseDuration(c.interval ?? CHECK_DEFAULTS.interval);
  return {
    name: c.name as string,
    query: c.query as string,
    min: c.min,
    max: c.max,
    intervalMs,
    count: c.count ?? CHECK_DEFAULTS.count,
    failureLimit: c.failure_limit ?? CHECK_DEFAULTS.failure_limit,
    onNoData: (c.on_no_data ?? CHECK_DEFAULTS.on_no_data) as OnNoData,
    delayMs: delay !== undefined ? parseDuration(delay) : intervalMs,
  };
}

/** The endpoint's problems: none given, a map naming unknown clusters, managed without a project. */
function endpointIssues(s: RawAnalysis, masker: Masker): string[] {
  const e = s.analysis_endpoint;
  if (e === undefined) return ['"analysis" needs "analysis_endpoint": a Prometheus URL, or managed'];
  if (e === 'managed') {
    if (s.project !== undefined || s.token === undefined) return [];
    return credentialsNameProject(s.token, masker) !== false
      ? []
      : ['managed needs a project: the credentials in "token" name none; set "project"'];
  }
  if (typeof e === 'string') return [];
  const ids = clusterIdsOf(s);
  if (ids === undefined) return [];
  const have = `configured clusters: ${ids.join(', ')}`;
  return [
    ...Object.keys(e)
      .filter((k) => !ids.includes(k))
      .map((k) => `"${k}" is not one of the clusters (${have}); write location/name`),
    ...ids.filter((id) => e[id] === undefined).map((id) => `no URL for cluster "${id}"; add "${id}": URL`),
  ];
}

function resolveEndpoint(s: RawAnalysis): AnalysisEndpoint | undefined {
  const e = s.analysis_endpoint;
  if (e === undefined) return undefined;
  if (e === 'managed') {
    const root = s.monitoring_endpoint;
    return { kind: 'managed', project: s.project, ...(root !== undefined ? { root } : {}) };
  }
  return typeof e === 'string' ? { kind: 'url', url: e } : { kind: 'per-cluster', urls: e };
}

/** The longest a check's measurements take when every one of them counts. */
function plannedMs(c: AnalysisCheck): number {
  return c.delayMs + c.intervalMs * (c.count - 1);
}

/**
 * The analysis settings' problems and, when they have none, the resolved settings. The
 * values of `analysis_headers` are registered with `masker`: the setting is secret as a
 * whole, and each value (and the credential after an auth scheme) may also be printed alone.
 */
export function resolveAnalysis(
  s: RawAnalysis,
  source: (setting: string) => string,
  masker: Masker,
): { issues: SettingIssue[]; analysis?: AnalysisSettings } {
  for (const v of Object.values(s.analysis_headers ?? {})) {
    masker.add(v);
    // "Bearer <token>", "Basic <credentials>": the credential alone too.
    masker.add(/^[A-Za-z]+\s+(\S+)$/.exec(v)?.[1]);
  }
  const issues: SettingIssue[] = [];
  const issue = (setting: string) => (problem: string) =>
    issues.push({ setting, variable: source(setting), problem });
  const raw = s.analysis ?? [];
  const seen = new Set<string>();
  raw.forEach((c, i) => {
    checkIssues(c, i, seen).forEach(issue('analysis'));
  });
  if (raw.length > 0) endpointIssues(s, masker).forEach(issue('analysis_endpoint'));
  if (issues.length > 0 || s.analysis_timeout === undefined) return { issues };
  const checks = raw.map((c) => resolveCheck(c, s.analysis_delay));
  const timeoutMs = parseDuration(s.analysis_timeout);
  for (const c of checks.filter((c) => plannedMs(c) > timeoutMs)) {
    issue('analysis_timeout')(
      `${s.analysis_timeout} is too short for check "${c.name}" (its delay and ${c.count} measurements take ${plannedMs(c) / 1000} s); raise it`,
    );
  }
  const analysis = { checks, endpoint: resolveEndpoint(s), headers: s.analysis_headers ?? {}, timeoutMs };
  return issues.length > 0 ? { issues } : { issues, analysis };
}
