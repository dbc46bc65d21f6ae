// rollback's checks beyond the schema, across settings (with the `targets` entry that the
// deploy target picks applied first: Drone's DRONE_DEPLOY_TO, Woodpecker's CI_PIPELINE_DEPLOY_TARGET). They run with the schema's own checks (resolveSettings
// in settings.ts), so every problem is reported at once, and then see only the settings that
// passed the schema: none is taken to be present.
import { type BuildContext, variableOf } from '../../common/ci.ts';
import { type SettingIssue, SettingsError } from '../../common/errors.ts';
import { checkClusterAccess } from '../../common/kube/access-check.ts';
import { PRIVATE_MODES } from '../../common/kube/access-mode.ts';
import { mapNamespace } from '../../common/kube/target.ts';
import type { RawSettings } from './settings.ts';

type DeployContext = Pick<BuildContext, 'deploy' | 'ci'>;

function missingTarget(targets: Record<string, unknown>, ctx: DeployContext): string {
  const variable = variableOf(ctx.ci, 'deploy.to');
  return `has no entry for ${variable} "${ctx.deploy.to}" (has: ${Object.keys(targets).join(', ')}); add it, or deploy to one of those`;
}

/**
 * With a deploy target (drone build rollback/promote, a Woodpecker deployment), the
 * `targets` entry names the clusters.
 */
export function applyDeployTarget<S extends Partial<RawSettings>>(
  s: S,
  ctx: DeployContext,
  source: (k: string) => string,
): S {
  if (!s.targets || !ctx.deploy.to) return s;
  const entry = s.targets[ctx.deploy.to];
  if (!entry) {
    throw new SettingsError([
      { setting: 'targets', variable: source('targets'), problem: missingTarget(s.targets, ctx) },
    ]);
  }
  const { cluster: _c, zone: _z, region: _r, location: _l, ...rest } = s;
  const { clusters, namespace, ...way } = entry;
  // The entry's way in replaces the step's when it names one.
  const modes = PRIVATE_MODES.some((m) => way[m] !== undefined)
    ? { internal_ip: undefined, dns_endpoint: undefined, connect_gateway: undefined }
    : {};
  return { ...rest, ...modes, ...way, clusters: clusters ?? [], namespace: namespace ?? s.namespace } as S;
}

/** The checks of a step run in `ctx` (for its deploy target). */
export function checkSettings(
  s: Partial<RawSettings>,
  source: (setting: string) => string,
  invalid: ReadonlySet<string>,
  ctx: DeployContext,
): SettingIssue[] {
  const to = ctx.deploy.to;
  const issues: SettingIssue[] = [];
  const issue = (setting: string, problem: string) =>
    issues.push({ setting, variable: source(setting), problem });
  if (s.to_revision !== undefined && s.to_build !== undefined) {
    issue('to_build', 'set "to_revision" or "to_build", not both');
  }
  if (to && s.targets && !s.targets[to]) {
    issue('targets', missingTarget(s.targets, ctx));
  } else if (to && s.targets) {
    // The `targets` entry names the clusters and the namespace: the step's own do not count.
    const entry = s.targets[to];
    const mapped = entry?.namespace !== undefined ? mapNamespace(entry.namespace) : undefined;
    if (mapped && !mapped.ok) issue('targets', `"${to}", namespace: ${mapped.problem}`);
    const applied = { ...applyDeployTarget(s, ctx, source), namespace: undefined };
    const unused = new Set(['cluster', 'zone', 'region', 'location', 'clusters', 'namespace']);
    issues.push(...checkClusterAccess(applied, source, new Set([...invalid].filter((k) => !unused.has(k)))));
  } else if (!(to && invalid.has('targets'))) {
    issues.push(...checkClusterAccess(s, source, invalid));
  }
  return issues;
}
