// One deploy at a time per cluster and namespace: a coordination.k8s.io/v1 Lease that
// gke-deploy and rollback hold while they change workloads. The holder renews it every few
// seconds; a holder that dies (SIGKILL) stops renewing and the lease expires. While holding
// it, gke-deploy writes on it which build is deploying what and the revision of every
// workload it changes (the deploy record): a run that dies before finishing leaves that
// record behind for the next run to find and repair (abandoned.ts).
import { randomBytes } from 'node:crypto';
import { CancelledError, cancellation, sleepUnlessAborted } from '../cancel.ts';
import { type ClusterFailure, errorMessage, LockError, PluginError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Kubectl } from './kubectl.ts';
import {
  describeHolder,
  getLease,
  type Holder,
  heldByOther,
  holderOf,
  isConflict,
  isNotFound,
  LEASE_SECONDS,
  type Lease,
  newLease,
  recordOf,
  since,
} from './lease.ts';
import { type ClusterLock, LeaseLock } from './lease-lock.ts';
import type { ClusterTarget } from './target.ts';

const POLL_MS = 2_000;
/** How often "waiting for the lock" is repeated while the same holder keeps it. */
const WAIT_REPORT_MS = 30_000;

export type LockMode = 'wait' | 'fail' | 'off';

export interface LockOptions {
  mode: LockMode;
  timeoutMs: number;
  log: Logger;
  signal?: AbortSignal | undefined;
  now?: () => number;
}

/**
 * Takes the deploy lock of one cluster and namespace. `wait` polls until the holder releases
 * it or stops renewing (up to `timeoutMs`), `fail` throws at once when someone holds it.
 */
export async function acquireLock(
  kubectl: Kubectl,
  target: ClusterTarget,
  holder: Holder,
  opts: LockOptions,
): Promise<ClusterLock> {
  const now = opts.now ?? Date.now;
  const id = `${describeHolder(holder)} ${randomBytes(4).toString('hex')}`;
  const deadline = now() + opts.timeoutMs;
  let reported: { who: string; at: number } | undefined;
  // A free lock is usually no lease at all (a finished run deletes it): try to create it
  // first, and read it only when it is there.
  let look = false;
  for (;;) {
    const c = cancellation(opts.signal);
    if (c) throw new CancelledError(c.signal, `cancelled by ${c.signal} while waiting for the deploy lock`);
    const existing = look ? await getLease(kubectl, target) : undefined;
    look = true;
    if (existing && heldByOther(existing, id, now())) {
      const who = describeHolder(holderOf(existing));
      const what = `the deploy lock of namespace ${target.namespace} is held by ${who}${since(existing, now())}`;
      if (opts.mode === 'fail') {
        throw new PluginError(`${what}; lock: fail does not wait (set lock: wait to queue behind it)`);
      }
      if (now() >= deadline) {
        throw new PluginError(
          `${what}; gave up after lock_timeout (${Math.round(opts.timeoutMs / 1000)} s). Wait for that run, or raise lock_timeout`,
        );
      }
      if (!reported || reported.who !== who || now() - reported.at >= WAIT_REPORT_MS) {
        opts.log.info(
          `[${target.id}] ${what}: waiting (lock_timeout ${Math.round(opts.timeoutMs / 1000)} s)`,
        );
        reported = { who, at: now() };
      }
      await sleepUnlessAborted(Math.min(POLL_MS, Math.max(0, deadline - now())), opts.signal);
      continue;
    }
    const wanted = newLease(target, id, holder, now(), existing);
    try {
      const args = existing ? ['replace', '-f', '-'] : ['create', '-f', '-'];
      const lease = await kubectl.json<Lease>(target, args, {
        input: JSON.stringify(wanted),
        namespace: target.namespace,
      });
      const lock = new LeaseLock(kubectl, target, id, lease, opts.log, now);
      lock.abandoned = recordOf(existing);
      lock.startRenewing();
      if (reported) opts.log.info(`[${target.id}] got the deploy lock`);
      return lock;
    } catch (err) {
      // Another run took or changed it between our read and write: look again.
      if (isConflict(err)) continue;
      if (isNotFound(err) && /namespaces? "[^"]+" not found/.test(errorMessage(err))) {
        throw new PluginError(
          `namespace "${target.namespace}" does not exist; create it or set create_namespace: true`,
        );
      }
      throw err;
    }
  }
}

/**
 * Takes the locks of every target, one after another in a fixed order (two runs that want
 * the same clusters never hold one each and wait for the other). On failure the locks
 * taken so far are given back and a LockError names every cluster that failed.
 */
export async function acquireLocks(
  kubectl: Kubectl,
  targets: readonly ClusterTarget[],
  holder: Holder,
  opts: LockOptions,
): Promise<ClusterLock[]> {
  if (opts.mode === 'off') return [];
  const order = [...targets].sort((a, b) =>
    `${a.server} ${a.namespace}`.localeCompare(`${b.server} ${b.namespace}`),
  );
  const taken: ClusterLock[] = [];
  const failures: (ClusterFailure & { target: ClusterTarget })[] = [];
  for (const t of order) {
    try {
      taken.push(await acquireLock(kubectl, t, holder, opts));
    } catch (err) {
      if (err instanceof CancelledError) {
        await releaseLocks(taken, opts.log);
        throw err;
      }
      failures.push({ target: t, cluster: t.id, message: errorMessage(err).split('\n')[0] as string });
    }
  }
  if (failures.length > 0) {
    await releaseLocks(taken, opts.log);
    throw new LockError(
      targets.flatMap((t) =>
        failures.filter((f) => f.target === t).map(({ cluster, message }) => ({ cluster, message })),
      ),
      targets.length,
    );
  }
  return targets.map((t) => taken.find((l) => l.target === t) as ClusterLock);
}

/** Gives back every lock; a failure is a warning (the lease expires by itself). */
export async function releaseLocks(
  locks: readonly ClusterLock[],
  log: Logger,
  keepRecord: (l: ClusterLock) => boolean = () => false,
): Promise<void> {
  await Promise.all(
    locks.map((l) =>
      l.release({ keepRecord: keepRecord(l) }).catch((err: unknown) => {
        log.warn(
          `[${l.target.id}] could not release the deploy lock (it expires by itself in ${LEASE_SECONDS} s): ${errorMessage(err).split('\n')[0]}`,
        );
      }),
    ),
  );
}
