// What keeps a rollback safe beside deploys: every cluster's deploy lock, taken before the
// plan (a dry run takes none), given back with any record a failed repair leaves.
import type { BuildContext } from '../../common/ci.ts';
import { LockError, PluginError } from '../../common/errors.ts';
import type { Kubectl } from '../../common/kube/kubectl.ts';
import { holderFrom } from '../../common/kube/lease.ts';
import type { ClusterLock } from '../../common/kube/lease-lock.ts';
import { acquireLocks, releaseLocks } from '../../common/kube/lock.ts';
import type { ClusterTarget } from '../../common/kube/target.ts';
import type { Deps } from './main.ts';
import type { Settings } from './settings.ts';

/** Takes every cluster's lock; throws naming every cluster whose lock could not be taken. */
export async function lockClusters(
  kubectl: Kubectl,
  targets: readonly ClusterTarget[],
  s: Settings,
  ctx: BuildContext,
  deps: Deps,
): Promise<ClusterLock[]> {
  try {
    return await acquireLocks(kubectl, targets, holderFrom('rollback', ctx), {
      mode: s.dry_run ? 'off' : s.lock,
      timeoutMs: s.lockTimeoutMs,
      log: deps.log,
      signal: deps.signal,
      now: deps.now,
    });
  } catch (err) {
    if (!(err instanceof LockError)) throw err;
    throw new PluginError(err.describe('could not plan the rollback', '; nothing was changed'));
  }
}

/** Gives the locks back; a record this run did not clear (a failed repair) stays for the next run. */
export function unlockClusters(locks: readonly ClusterLock[], deps: Deps): Promise<void> {
  return releaseLocks(locks, deps.log, (l) => l.abandoned !== undefined);
}
