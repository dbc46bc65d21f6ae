// rollback's checks beyond the schema, across settings (with the `targets` entry that
// DRONE_DEPLOY_TO picks applied first). They run with the schema's own checks (resolveSettings
// in settings.ts), so every problem is reported at once, and then see only the settings that
// passed the schema: none is taken to be present.
import type { DroneContext } from '../../common/drone.ts';
import { type SettingIssue, SettingsError } from '../../common/errors.ts';
import { checkClusterAccess } from '../../common/kube/access-check.ts';
import { mapNamespace } from '../../common/kube/target.ts';
import type { Env } from '../../common/settings.ts';
import type { RawSettings } from './settings.ts';

function missingTarget(targets: Record<string, unknown>, to: string): string {
  return `has no entry for DRONE_DEPLOY_TO "${to}" (has: ${Object.keys(targets).join(', ')}); add it, or deploy to one of those`;
}

/** With DRONE_DEPLOY_TO (drone build rollback/promote), the `targets` entry names the clusters. */
export function applyDeployTarget<S extends Partial<RawSettings>>(
  s: S,
  ctx: Pick<DroneContext, 'deploy'>,
  source: (k: string) => string,
): S {
  if (!s.targets || !ctx.deploy.to) return s;
  const entry = s.targets[ctx.deploy.to];
  if (!entry) {
    throw new SettingsError([
      { setting: 'targets', variable: source('targets'), problem: missingTarget(s.targets, ctx.deploy.to) },
    ]);
  }
  const { cluster: _c, zone: _z, region: _r, location: _l, ...rest } = s;
  return { ...rest, clusters: entry.clusters ?? [], namespace: entry.namespace ?? s.namespace } as S;
}

/** The checks of a step run with `env` (for DRONE_DEPLOY_TO). */
export function checkSettings(
  s: Partial<RawSettings>,
  source: (setting: string) => string,
  invalid: ReadonlySet<string>,
  env: Env,
): SettingIssue[] {
  const to = env.DRONE_DEPLOY_TO ?? '';
  const issues: SettingIssue[] = [];
  const issue = (setting: string, problem: string) =>
    issues.push({ setting, variable: source(setting), problem });
  if (s.to_revision !== undefined && s.to_build !== undefined) {
    issue('to_build', 'set "to_revision" or "to_build", not both');
  }
  if (to && s.targets && !s.targets[to]) {
    issue('targets', missingTarget(s.targets, to));
  } else if (to && s.targets) {
    // The `targets` entry names the clusters and the namespace: the step's own do not count.
    const entry = s.targets[to];
    const mapped = entry?.namespace !== undefined ? mapNamespace(entry.namespace) : undefined;
    if (mapped && !mapped.ok) issue('targets', `"${to}", namespace: ${mapped.problem}`);
    const applied = { ...applyDeployTarget(s, { deploy: { to, id: '' } }, source), namespace: undefined };
    const unused = new Set(['cluster', 'zone', 'region', 'location', 'clusters', 'namespace']);
    issues.push(...checkClusterAccess(applied, source, new Set([...invalid].filter((k) => !unused.has(k)))));
  } else if (!(to && invalid.has('targets'))) {
    issues.push(...checkClusterAccess(s, source, invalid));
  }
  return issues;
}
