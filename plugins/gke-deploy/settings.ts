// gke-deploy's settings: what the schema gives (RawSettings), and the one resolved object a
// run works on (Settings): the workloads to wait for parsed, durations in milliseconds, the
// lock and abandoned-deploy modes typed, the summary path, the metrics analysis.
import { parseDuration } from '../../common/duration.ts';
import type { OnAbandoned } from '../../common/kube/abandoned.ts';
import { type KubeRunKeys, type KubeRunSettings, readKubeSettings } from '../../common/kube/run-settings.ts';
import { parseWorkloadsSetting, WORKLOAD_KINDS, type WorkloadRef } from '../../common/kube/workloads.ts';
import type { SettingsOf } from '../../common/schema.ts';
import type { Env } from '../../common/settings.ts';
import { type AnalysisSettings, resolveAnalysis } from './analysis/settings.ts';
import { checkSettings } from './checks.ts';
import type { Deps } from './main.ts';
import { schema } from './schema.ts';

export type RawSettings = SettingsOf<typeof schema>;

type Resolved =
  | KubeRunKeys
  | 'timeout'
  | 'wait_seconds'
  | 'wait_deployments'
  | 'on_abandoned'
  | 'analysis'
  | 'analysis_endpoint'
  | 'analysis_headers'
  | 'analysis_delay'
  | 'analysis_timeout'
  | 'monitoring_endpoint'
  | 'template';

export interface Settings extends Omit<RawSettings, Resolved>, KubeRunSettings {
  /** The templates: `template`, else .kube.yml; none with `kustomize`. */
  template: string[];
  /** The workloads `wait_deployments` names; undefined: every applied workload. */
  waitFor: WorkloadRef[] | undefined;
  /** How long every rollout may take (timeout, or wait_seconds). */
  timeoutMs: number;
  onAbandoned: OnAbandoned;
  /** The metrics checks (none when `analysis` is empty), their endpoint and headers. */
  analysis: AnalysisSettings;
}

/** Reads, checks and resolves gke-deploy's settings; one SettingsError names every problem. */
export function resolveSettings(env: Env, deps: Pick<Deps, 'log' | 'workspace'>): Settings {
  return readKubeSettings<RawSettings, Settings>(schema, env, deps, (raw, source, invalid) => {
    const waitFor = parseWorkloadsSetting(raw.wait_deployments, 'wait_deployments', source, [
      ...WORKLOAD_KINDS,
      'Job',
    ]);
    const analysis = resolveAnalysis(raw, source, deps.log.masker);
    return {
      issues: [
        ...checkSettings(raw, source, invalid, deps.workspace),
        ...(waitFor?.issues ?? []),
        ...analysis.issues,
      ],
      build: (shared) => {
        const { timeout, wait_seconds, wait_deployments: _w, on_abandoned, template, ...rest } = raw;
        const {
          analysis: _a,
          analysis_endpoint: _e,
          analysis_headers: _h,
          analysis_delay: _d,
          analysis_timeout: _t,
          monitoring_endpoint: _m,
          ...kept
        } = rest;
        return {
          ...kept,
          ...shared,
          template: template ?? (raw.kustomize ? [] : ['.kube.yml']),
          waitFor: waitFor?.refs,
          timeoutMs: wait_seconds !== undefined ? wait_seconds * 1000 : parseDuration(timeout),
          onAbandoned: on_abandoned as OnAbandoned,
          // Built only when no setting has a problem, so the analysis resolved.
          analysis: analysis.analysis as AnalysisSettings,
        };
      },
    };
  });
}
