// gke-deploy's settings: what the schema gives (RawSettings), and the one resolved object a
// run works on (Settings): the workloads to wait for parsed, durations in milliseconds, the
// lock and abandoned-deploy modes typed, the summary path.
import { resolve } from 'node:path';
import { parseDuration } from '../../common/duration.ts';
import type { OnAbandoned } from '../../common/kube/abandoned.ts';
import { type LockTimes, resolveLockTimes } from '../../common/kube/lock-schema.ts';
import { summaryFileIssues } from '../../common/kube/summary.ts';
import { parseWorkloadRefs, WORKLOAD_KINDS, type WorkloadRef } from '../../common/kube/workloads.ts';
import type { Logger } from '../../common/log.ts';
import { readResolvedSettings } from '../../common/plugin.ts';
import type { SettingsOf } from '../../common/schema.ts';
import type { Env } from '../../common/settings.ts';
import { checkSettings } from './checks.ts';
import { schema } from './schema.ts';

export type RawSettings = SettingsOf<typeof schema>;

type Resolved =
  | 'timeout'
  | 'wait_seconds'
  | 'wait_deployments'
  | 'summary_file'
  | 'on_abandoned'
  | 'lock_timeout'
  | 'cancel_grace';

export interface Settings extends Omit<RawSettings, Resolved | keyof LockTimes>, LockTimes {
  /** The variable each setting came from, for problems found later (in the templates). */
  source: (setting: string) => string;
  /** The workloads `wait_deployments` names; undefined: every applied workload. */
  waitFor: WorkloadRef[] | undefined;
  /** How long every rollout may take (timeout, or wait_seconds). */
  timeoutMs: number;
  onAbandoned: OnAbandoned;
  /** The summary file, from the workspace. */
  summaryFile: string;
}

/** Reads, checks and resolves gke-deploy's settings; one SettingsError names every problem. */
export function resolveSettings(env: Env, log: Logger, workspace: string): Settings {
  return readResolvedSettings<RawSettings, Settings>(schema, env, log, (raw, source, invalid) => {
    const waitFor =
      raw.wait_deployments !== undefined
        ? parseWorkloadRefs(raw.wait_deployments, 'wait_deployments', source('wait_deployments'), [
            ...WORKLOAD_KINDS,
            'Job',
          ])
        : undefined;
    const issues = [
      ...checkSettings(workspace)(raw, source, invalid),
      ...(waitFor?.issues ?? []),
      ...summaryFileIssues(workspace, raw.summary_file, source),
    ];
    if (issues.length > 0 || invalid.size > 0) return { issues };
    const { timeout, wait_seconds, wait_deployments: _w, summary_file, on_abandoned, ...rest } = raw;
    return {
      issues,
      resolved: {
        ...rest,
        ...resolveLockTimes(raw),
        source,
        waitFor: waitFor?.refs,
        timeoutMs: wait_seconds !== undefined ? wait_seconds * 1000 : parseDuration(timeout),
        onAbandoned: on_abandoned as OnAbandoned,
        summaryFile: resolve(workspace, summary_file),
      },
    };
  });
}
