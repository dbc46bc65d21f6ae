// The deploy lock's Lease object (coordination.k8s.io/v1): its name, the annotations that
// carry who holds it and the deploy record, whether someone alive holds it, and reading and
// writing it. lock.ts takes and gives back the lock; lease-lock.ts holds one.
import { errorMessage } from '../errors.ts';
import type { Kubectl } from './kubectl.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from './provenance.ts';
import type { ClusterTarget } from './target.ts';
import type { ObjectMeta } from './workloads.ts';

export const LEASE_NAME = 'drone-gke-deploy';
export const RECORD_ANNOTATION = 'drone-gke/deploy-record';
export const HOLDER_ANNOTATION = 'drone-gke/lock-holder';
/** A holder that has not renewed for this long is gone. */
export const LEASE_SECONDS = 30;

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

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: ObjectMeta;
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
  };
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function describeHolder(h: Holder | undefined): string {
  if (!h) return 'another run';
  const build = h.build !== undefined ? ` build ${h.build}` : '';
  return `${h.repo ?? 'a local run'}${build} (${h.plugin})`;
}

export function parseJson<T>(text: string | undefined): T | undefined {
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

export function holderOf(lease: Lease): Holder | undefined {
  return parseJson<Holder>(lease.metadata.annotations?.[HOLDER_ANNOTATION]);
}

/** Whether someone alive holds the lease (renewed within its duration). */
export function heldByOther(lease: Lease, me: string, now: number): boolean {
  const id = lease.spec.holderIdentity;
  if (!id || id === me) return false;
  const renewed = Date.parse(lease.spec.renewTime ?? lease.spec.acquireTime ?? '');
  const seconds = lease.spec.leaseDurationSeconds ?? LEASE_SECONDS;
  return Number.isFinite(renewed) && now - renewed < seconds * 1000;
}

export const isConflict = (err: unknown) =>
  /\((Conflict|AlreadyExists)\)|already exists|has been modified/.test(errorMessage(err));
export const isNotFound = (err: unknown) => /\(NotFound\)|not found/i.test(errorMessage(err));

export async function getLease(kubectl: Kubectl, t: ClusterTarget): Promise<Lease | undefined> {
  const r = await kubectl.run(t, ['get', 'lease', LEASE_NAME, '--ignore-not-found', '-o', 'json'], {
    namespace: t.namespace,
  });
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Lease) : undefined;
}

export function newLease(t: ClusterTarget, id: string, holder: Holder, now: number, from?: Lease): Lease {
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

export function since(lease: Lease, now: number): string {
  const acquired = Date.parse(lease.spec.acquireTime ?? '');
  return Number.isFinite(acquired) ? ` for ${Math.max(0, Math.round((now - acquired) / 1000))} s` : '';
}
