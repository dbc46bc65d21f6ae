// gke-deploy's settings: what the schema gives (RawSettings), and the one resolved object a
// run works on (Settings): the workloads to wait for parsed, durations in milliseconds, the
// lock and abandoned-deploy modes typed, the summary path.
import { parseDuration } from '../../common/duration.ts';
import type { OnAbandoned } from '../../common/kube/abandoned.ts';
import { type KubeRunKeys, type KubeRunSettings, readKubeSettings } from '../../common/kube/run-settings.ts';
import { parseWorkloadsSetting, WORKLOAD_KINDS, type WorkloadRef } from '../../common/kube/workloads.ts';
import type { SettingsOf } from '../../common/schema.ts';
import type { Env } from '../../common/settings.ts';
import { checkSettings } from './checks.ts';
import type { Deps } from './main.ts';
import { schema } from './schema.ts';

export type RawSettings = SettingsOf<typeof schema>;

type Resolved = KubeRunKeys | 'timeout' | 'wait_seconds' | 'wait_deployments' | 'on_abandoned';

export interface Settings extends Omit<RawSettings, Resolved>, KubeRunSettings {
  /** The workloads `wait_deployments` names; undefined: every applied workload. */
  waitFor: WorkloadRef[] | undefined;
  /** How long every rollout may take (timeout, or wait_seconds). */
  timeoutMs: number;
  onAbandoned: OnAbandoned;
}

/** Reads, checks and resolves gke-deploy's settings; one SettingsError names every problem. */
export function resolveSettings(env: Env, deps: Pick<Deps, 'log' | 'workspace'>): Settings {
  return readKubeSettings<RawSettings, Settings>(schema, env, deps, (raw, source, invalid) => {
    const waitFor = parseWorkloadsSetting(raw.wait_deployments, 'wait_deployments', source, [
      ...WORKLOAD_KINDS,
      'Job',
    ]);
    return {
      issues: [...checkSettings(raw, source, invalid, deps.workspace), ...(waitFor?.issues ?? [])],
      build: (shared) => {
        const { timeout, wait_seconds, wait_deployments: _w, on_abandoned, ...rest } = raw;
        return {
          ...rest,
          ...shared,
          waitFor: waitFor?.refs,
          timeoutMs: wait_seconds !== undefined ? wait_seconds * 1000 : parseDuration(timeout),
          onAbandoned: on_abandoned as OnAbandoned,
        };
      },
    };
  });
}
