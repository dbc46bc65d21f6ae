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
import { MANAGED_BY, MANAGED_BY_LABEL } from './provenance.ts';
import type { ClusterTarget } from './target.ts';

export const LEASE_NAME = 'drone-gke-deploy';
export const RECORD_ANNOTATION = 'drone-gke/deploy-record';
const HOLDER_ANNOTATION = 'drone-gke/lock-holder';
/** A holder that has not renewed for this long is gone. */
export const LEASE_SECONDS = 30;
const RENEW_MS = 10_000;
const POLL_MS = 2_000;
/** How often "waiting for the lock" is repeated while the same holder keeps it. */
const WAIT_REPORT_MS = 30_000;

export type LockMode = 'wait' | 'fail' | 'off';

/** Who holds (or held) the lock: shown to whoever waits for it. */
export interface Holder {
  plugin: 'gke-deploy' | 'rollback';
  repo?: string | undefined;
  build?: number | undefined;
  link?: string | undefined;
}

/** The holder a plugin run names itself as, from its build context. */
export function holderFrom(
  plugin: Holder['plugin'],
  ctx: { repo: { slug: string }; build: { number?: number | undefined; link?: string | undefined } },
): Holder {
  return {
    plugin,
    ...(ctx.repo.slug ? { repo: ctx.repo.slug } : {}),
    ...(ctx.build.number !== undefined ? { build: ctx.build.number } : {}),
    ...(ctx.build.link ? { link: ctx.build.link } : {}),
  };
}

export interface RecordedWorkload {
  kind: string;
  name: string;
  /** False when the deploy was creating it: there is no earlier revision to go back to. */
  existed: boolean;
  revision?: number | undefined;
  images: string[];
  build?: number | undefined;
}

/** What a deploy in progress writes on the cluster before it applies anything. */
export interface DeployRecord {
  holder: Holder;
  startedAt: string;
  images: string[];
  workloads: RecordedWorkload[];
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
  };
}

export interface ClusterLock {
  readonly target: ClusterTarget;
  /** A record left by a run that did not finish, found when the lock was taken. */
  readonly abandoned: DeployRecord | undefined;
  /** Writes (or replaces) this run's deploy record. */
  writeRecord(record: DeployRecord): Promise<void>;
  /** Removes the deploy record (the workloads are in a known state again); keeps holding. */
  clearRecord(): Promise<void>;
  /** Stops renewing and gives the lock up; the record stays only when `keepRecord`. */
  release(opts?: { keepRecord?: boolean }): Promise<void>;
}

export interface LockOptions {
  mode: LockMode;
  timeoutMs: number;
  log: Logger;
  signal?: AbortSignal | undefined;
  now?: () => number;
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function describeHolder(h: Holder | undefined): string {
  if (!h) return 'another run';
  const build = h.build !== undefined ? ` build ${h.build}` : '';
  return `${h.repo ?? 'a local run'}${build} (${h.plugin})`;
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

export function recordOf(lease: Lease | undefined): DeployRecord | undefined {
  return parseJson<DeployRecord>(lease?.metadata.annotations?.[RECORD_ANNOTATION]);
}

function holderOf(lease: Lease): Holder | undefined {
  return parseJson<Holder>(lease.metadata.annotations?.[HOLDER_ANNOTATION]);
}

/** Whether someone alive holds the lease (renewed within its duration). */
function heldByOther(lease: Lease, me: string, now: number): boolean {
  const id = lease.spec.holderIdentity;
  if (!id || id === me) return false;
  const renewed = Date.parse(lease.spec.renewTime ?? lease.spec.acquireTime ?? '');
  const seconds = lease.spec.leaseDurationSeconds ?? LEASE_SECONDS;
  return Number.isFinite(renewed) && now - renewed < seconds * 1000;
}

const isConflict = (err: unknown) =>
  /\((Conflict|AlreadyExists)\)|already exists|has been modified/.test(errorMessage(err));
const isNotFound = (err: unknown) => /\(NotFound\)|not found/i.test(errorMessage(err));

class LeaseLock implements ClusterLock {
  abandoned: DeployRecord | undefined;
  private lease: Lease;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private released = false;
  /** When this run last wrote the lease (its own clock). */
  private renewedAt: number;

  constructor(
    private readonly kubectl: Kubectl,
    readonly target: ClusterTarget,
    private readonly id: string,
    lease: Lease,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.lease = lease;
    this.abandoned = undefined;
    this.renewedAt = now();
  }

  startRenewing(): void {
    this.timer = setInterval(() => void this.renew(), RENEW_MS);
    this.timer.unref();
  }

  /** Runs lease writes one after another: a renewal never races a record write. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.chain.then(op, op);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async replace(edit: (l: Lease) => Lease): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const wanted = edit(structuredClone(this.lease));
      wanted.spec.renewTime = microTime(this.now());
      try {
        this.lease = await this.kubectl.json<Lease>(this.target, ['replace', '-f', '-'], {
          input: JSON.stringify(wanted),
          namespace: this.target.namespace,
        });
        this.renewedAt = this.now();
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 3) throw err;
        // Someone else wrote the lease: still ours? Then retry on the fresh copy.
        const fresh = await getLease(this.kubectl, this.target);
        if (!fresh || fresh.spec.holderIdentity !== this.id) {
          throw new PluginError(
            `[${this.target.id}] lost the deploy lock to ${describeHolder(fresh && holderOf(fresh))}`,
          );
        }
        this.lease = fresh;
      }
    }
  }

  private renew(): Promise<void> {
    if (this.released) return Promise.resolve();
    return this.serial(() => this.replace((l) => l)).catch((err: unknown) => {
      this.log.warn(
        `[${this.target.id}] could not renew the deploy lock: ${errorMessage(err).split('\n')[0]}`,
      );
    });
  }

  writeRecord(record: DeployRecord): Promise<void> {
    return this.serial(() =>
      this.replace((l) => {
        l.metadata.annotations = { ...l.metadata.annotations, [RECORD_ANNOTATION]: JSON.stringify(record) };
        return l;
      }),
    );
  }

  clearRecord(): Promise<void> {
    return this.serial(() =>
      this.replace((l) => {
        delete l.metadata.annotations?.[RECORD_ANNOTATION];
        return l;
      }),
    ).then(() => {
      this.abandoned = undefined;
    });
  }

  release(opts: { keepRecord?: boolean } = {}): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    if (this.timer) clearInterval(this.timer);
    // Nothing to keep, and renewed recently enough that nobody can have taken the lease over
    // (they wait LEASE_SECONDS without a renewal): delete it, one call instead of a
    // conditional replace, and the next run creates it in one call too.
    if (!opts.keepRecord && this.now() - this.renewedAt < (LEASE_SECONDS - 10) * 1000) {
      return this.serial(async () => {
        await this.kubectl.run(this.target, ['delete', 'lease', LEASE_NAME, '--ignore-not-found'], {
          namespace: this.target.namespace,
        });
      });
    }
    return this.serial(() =>
      this.replace((l) => {
        delete l.spec.holderIdentity;
        delete l.metadata.annotations?.[HOLDER_ANNOTATION];
        if (!opts.keepRecord) delete l.metadata.annotations?.[RECORD_ANNOTATION];
        return l;
      }),
    );
  }
}

async function getLease(kubectl: Kubectl, t: ClusterTarget): Promise<Lease | undefined> {
  const r = await kubectl.run(t, ['get', 'lease', LEASE_NAME, '--ignore-not-found', '-o', 'json'], {
    namespace: t.namespace,
  });
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Lease) : undefined;
}

function newLease(t: ClusterTarget, id: string, holder: Holder, now: number, from?: Lease): Lease {
  const time = microTime(now);
  const annotations = { ...from?.metadata.annotations, [HOLDER_ANNOTATION]: JSON.stringify(holder) };
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: LEASE_NAME,
      namespace: t.namespace,
      ...(from?.metadata.resourceVersion ? { resourceVersion: from.metadata.resourceVersion } : {}),
      labels: { ...from?.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY },
      annotations,
    },
    spec: {
      holderIdentity: id,
      leaseDurationSeconds: LEASE_SECONDS,
      acquireTime: time,
      renewTime: time,
    },
  };
}

function since(lease: Lease, now: number): string {
  const acquired = Date.parse(lease.spec.acquireTime ?? '');
  return Number.isFinite(acquired) ? ` for ${Math.max(0, Math.round((now - acquired) / 1000))} s` : '';
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
