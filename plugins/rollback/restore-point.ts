// The point rollback goes back to — the previous revision, a revision number, or the one a
// Drone build deployed — and, for one workload, the revision of its history that matches it.
// (Not a "target": that word is the user's `targets` setting; a cluster is a ClusterTarget.)
import type { BuildContext } from '../../common/ci.ts';
import type { Revision } from '../../common/kube/history.ts';

export type RestorePoint =
  | { kind: 'previous' }
  | { kind: 'revision'; revision: number }
  | { kind: 'build'; build: number };

// Drone's rollback and promote; Woodpecker's deployment (`woodpecker-cli pipeline deploy <repo>
// <pipeline> <target>` restarts <pipeline> as a deployment whose parent is <pipeline>:
// woodpecker-ci/woodpecker server/pipeline/restart.go).
const DEPLOY_EVENTS = new Set(['rollback', 'promote', 'deployment']);

/** The restore point the settings and the CI's event ask for. */
export function restorePointOf(
  s: { to_revision?: number | undefined; to_build?: number | undefined },
  ctx: Pick<BuildContext, 'build'>,
): RestorePoint {
  if (s.to_revision !== undefined) return { kind: 'revision', revision: s.to_revision };
  if (s.to_build !== undefined) return { kind: 'build', build: s.to_build };
  // `drone build rollback <repo> <build> <target>` (or a Woodpecker deploy of pipeline <build>)
  // re-runs build <build>: go back to what it deployed.
  if (DEPLOY_EVENTS.has(ctx.build.event) && ctx.build.parent !== undefined)
    return { kind: 'build', build: ctx.build.parent };
  return { kind: 'previous' };
}

export function describeRestorePoint(p: RestorePoint): string {
  if (p.kind === 'previous') return 'the previous revision';
  if (p.kind === 'revision') return `revision ${p.revision}`;
  return `build ${p.build}`;
}

/** In one workload's history (oldest first): its current revision, and the one `p` names, or why there is none. */
export function pickRevision(
  revisions: readonly Revision[],
  p: RestorePoint,
): { current?: Revision; restore?: Revision; missing?: string } {
  const current = revisions.at(-1);
  if (!current) return { missing: 'has no rollout history' };
  if (p.kind === 'previous') {
    const previous = revisions.at(-2);
    return previous ? { current, restore: previous } : { current, missing: 'has no previous revision' };
  }
  if (p.kind === 'revision') {
    const r = revisions.find((x) => x.revision === p.revision);
    const have = revisions.map((x) => x.revision).join(', ');
    return r ? { current, restore: r } : { current, missing: `has no revision ${p.revision} (has ${have})` };
  }
  const matches = revisions.filter((x) => x.build === p.build);
  const builds = [...new Set(revisions.map((x) => x.build).filter((b) => b !== undefined))]
    .sort((a, b) => (a as number) - (b as number))
    .join(', ');
  const last = matches.at(-1);
  return last
    ? { current, restore: last }
    : { current, missing: `has no revision deployed by build ${p.build} (builds kept: ${builds || 'none'})` };
}
