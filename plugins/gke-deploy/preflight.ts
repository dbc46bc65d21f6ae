// Phase 2 of gke-deploy, under the locks: on every cluster a server-side dry-run of the
// manifests and a snapshot of the workloads before apply — the plan of each cluster. A dry
// run prints kubectl diff instead of going on.
import type { Kubectl } from '../../common/kube/kubectl.ts';
import { settleAll } from '../../common/kube/settle.ts';
import type { ClusterTarget } from '../../common/kube/target.ts';
import type { WorkloadRef } from '../../common/kube/workloads.ts';
import type { Logger } from '../../common/log.ts';
import { diff, preflight, type Rendered, snapshot } from './cluster-ops.ts';
import type { ClusterPlan } from './report.ts';

/** Every cluster's plan; throws a ClusterFailuresError naming every cluster that failed. */
export function preflightClusters(
  kubectl: Kubectl,
  targets: readonly ClusterTarget[],
  refs: readonly WorkloadRef[],
  rendered: Rendered,
  opts: { serverSide: boolean; log: Logger },
): Promise<ClusterPlan[]> {
  return settleAll(
    targets,
    (t) => t.id,
    async (t) => {
      // The snapshot is taken under the lock: between now and apply nothing of ours changes.
      const [, before] = await Promise.all([
        preflight(kubectl, t, rendered, { serverSide: opts.serverSide }),
        snapshot(kubectl, t, refs),
      ]);
      opts.log.info(`[${t.id}] server-side dry-run passed`);
      return { target: t, refs, before };
    },
  );
}

/** Prints what apply would change on every cluster (a dry run), one cluster after another. */
export async function printDiffs(
  kubectl: Kubectl,
  targets: readonly ClusterTarget[],
  rendered: Rendered,
  log: Logger,
): Promise<void> {
  for (const t of targets)
    log.info(`[${t.id}] kubectl diff:\n${(await diff(kubectl, t, rendered)) || '(no changes)'}`);
}
