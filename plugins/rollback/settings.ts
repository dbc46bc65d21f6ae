// rollback's settings: what the schema gives (RawSettings), and the one resolved object a
// run works on (Settings): the `targets` entry the deploy target picks applied, the workloads
// parsed, the revision to go back to decided, durations in milliseconds.
import type { BuildContext } from '../../common/ci.ts';
import { parseDuration } from '../../common/duration.ts';
import { type KubeRunKeys, type KubeRunSettings, readKubeSettings } from '../../common/kube/run-settings.ts';
import { parseWorkloadsSetting, type WorkloadRef } from '../../common/kube/workloads.ts';
import type { SettingsOf } from '../../common/schema.ts';
import type { Env } from '../../common/settings.ts';
import { applyDeployTarget, checkSettings } from './checks.ts';
import type { Deps } from './main.ts';
import { type RestorePoint, restorePointOf } from './restore-point.ts';
import { schema } from './schema.ts';

export type RawSettings = SettingsOf<typeof schema>;

type Resolved = KubeRunKeys | 'deployments' | 'to_revision' | 'to_build' | 'targets' | 'timeout';

export interface Settings extends Omit<RawSettings, Resolved>, KubeRunSettings {
  /** The workloads `deployments` names; undefined: every workload gke-deploy manages. */
  workloads: WorkloadRef[] | undefined;
  /** What to go back to (to_revision, to_build, the build Drone re-runs, or the previous revision). */
  restorePoint: RestorePoint;
  timeoutMs: number;
}

/** Reads, checks and resolves rollback's settings; one SettingsError names every problem. */
export function resolveSettings(
  env: Env,
  ctx: BuildContext,
  deps: Pick<Deps, 'log' | 'workspace'>,
): Settings {
  return readKubeSettings<RawSettings, Settings>(schema, env, deps, (raw, source, invalid) => {
    const workloads = parseWorkloadsSetting(raw.deployments, 'deployments', source);
    return {
      issues: [...checkSettings(raw, source, invalid, ctx), ...(workloads?.issues ?? [])],
      build: (shared) => {
        const {
          deployments: _d,
          to_revision: _r,
          to_build: _b,
          targets: _t,
          ...rest
        } = applyDeployTarget(raw, ctx, source);
        return {
          ...rest,
          ...shared,
          workloads: workloads?.refs,
          restorePoint: restorePointOf(raw, ctx),
          timeoutMs: parseDuration(raw.timeout),
        };
      },
    };
  });
}
