// rollback's settings: what the schema gives (RawSettings), and the one resolved object a
// run works on (Settings): the `targets` entry DRONE_DEPLOY_TO picks applied, the workloads
// parsed, the revision to go back to decided, durations in milliseconds.
import { resolve } from 'node:path';
import type { DroneContext } from '../../common/drone.ts';
import { parseDuration } from '../../common/duration.ts';
import { type LockTimes, resolveLockTimes } from '../../common/kube/lock-schema.ts';
import { summaryFileIssues } from '../../common/kube/summary.ts';
import { parseWorkloadRefs, type WorkloadRef } from '../../common/kube/workloads.ts';
import type { Logger } from '../../common/log.ts';
import { readResolvedSettings } from '../../common/plugin.ts';
import type { SettingsOf } from '../../common/schema.ts';
import type { Env } from '../../common/settings.ts';
import { applyDeployTarget, checkSettings } from './checks.ts';
import { type RestorePoint, restorePointOf } from './restore-point.ts';
import { schema } from './schema.ts';

export type RawSettings = SettingsOf<typeof schema>;

type Resolved =
  | 'deployments'
  | 'to_revision'
  | 'to_build'
  | 'targets'
  | 'summary_file'
  | 'timeout'
  | 'lock_timeout'
  | 'cancel_grace';

export interface Settings extends Omit<RawSettings, Resolved | keyof LockTimes>, LockTimes {
  /** The variable each setting came from, for problems found later (on a cluster). */
  source: (setting: string) => string;
  /** The workloads `deployments` names; undefined: every workload gke-deploy manages. */
  workloads: WorkloadRef[] | undefined;
  /** What to go back to (to_revision, to_build, the build Drone re-runs, or the previous revision). */
  restorePoint: RestorePoint;
  /** The summary file, from the workspace. */
  summaryFile: string;
  timeoutMs: number;
}

/** Reads, checks and resolves rollback's settings; one SettingsError names every problem. */
export function resolveSettings(env: Env, ctx: DroneContext, log: Logger, workspace: string): Settings {
  return readResolvedSettings<RawSettings, Settings>(schema, env, log, (raw, source, invalid) => {
    const workloads =
      raw.deployments !== undefined
        ? parseWorkloadRefs(raw.deployments, 'deployments', source('deployments'))
        : undefined;
    const issues = [
      ...checkSettings(env)(raw, source, invalid),
      ...(workloads?.issues ?? []),
      ...summaryFileIssues(workspace, raw.summary_file, source),
    ];
    if (issues.length > 0 || invalid.size > 0) return { issues };
    const {
      deployments: _d,
      to_revision: _r,
      to_build: _b,
      targets: _t,
      lock_timeout: _l,
      cancel_grace: _c,
      ...rest
    } = applyDeployTarget(raw, ctx, source);
    return {
      issues,
      resolved: {
        ...rest,
        ...resolveLockTimes(raw),
        source,
        workloads: workloads?.refs,
        restorePoint: restorePointOf(raw, ctx),
        summaryFile: resolve(workspace, raw.summary_file),
        timeoutMs: parseDuration(raw.timeout),
      },
    };
  });
}
