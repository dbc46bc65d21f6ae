// One cluster's deploy lock while this run holds it: renewed every few seconds, carrying
// the deploy record, given back at the end (deleted when nothing needs to stay on it).
import { errorMessage, PluginError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Kubectl } from './kubectl.ts';
import {
  type DeployRecord,
  describeHolder,
  getLease,
  HOLDER_ANNOTATION,
  holderOf,
  isConflict,
  LEASE_NAME,
  LEASE_SECONDS,
  type Lease,
  microTime,
  RECORD_ANNOTATION,
} from './lease.ts';
import type { ClusterTarget } from './target.ts';

const RENEW_MS = 10_000;

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

export class LeaseLock implements ClusterLock {
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
