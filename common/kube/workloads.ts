// Workloads (Deployments, StatefulSets, DaemonSets, Jobs): their identity, images, revision
// and build, and whether a rollout is done, stuck or failed — judged the way
// `kubectl rollout status` judges it, from one `kubectl get -o json` of many objects.
import type { SettingIssue } from '../errors.ts';
import { buildOf } from './provenance.ts';

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number] | 'Job';

export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
}

export function refKey(r: WorkloadRef): string {
  return `${r.kind.toLowerCase()}/${r.name}`;
}

/** The key of a live object, as refKey writes it (deployment/web). */
export function workloadKey(o: KubeObject): string {
  return `${o.kind.toLowerCase()}/${o.metadata.name}`;
}

/** How a kind may be written in a reference: kubectl's names, plural and short forms. */
const KIND_NAMES: Readonly<Record<string, WorkloadKind>> = {
  deployment: 'Deployment',
  deployments: 'Deployment',
  deploy: 'Deployment',
  statefulset: 'StatefulSet',
  statefulsets: 'StatefulSet',
  sts: 'StatefulSet',
  daemonset: 'DaemonSet',
  daemonsets: 'DaemonSet',
  ds: 'DaemonSet',
  job: 'Job',
  jobs: 'Job',
};

/** A Kubernetes object name (DNS-1123 subdomain, at most 253 characters). */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** `web`, `deployment/web`, `deploy/web`, `sts/db` … as a reference (a bare name is a Deployment). */
export function parseWorkloadRef(text: string): WorkloadRef | undefined {
  const parts = text.trim().split('/');
  if (parts.length > 2) return undefined;
  const [a, b] = parts.length === 2 ? parts : ['deployment', parts[0]];
  const kind = KIND_NAMES[(a ?? '').toLowerCase()];
  return kind && b && b.length <= 253 && OBJECT_NAME.test(b) ? { kind, name: b } : undefined;
}

/**
 * A setting's list of workload references (rollback's `deployments`, gke-deploy's
 * `wait_deployments`), checked before any cluster is contacted: each entry that is not a
 * name or `kind/name` of one of `kinds` (foo/web, pod/x, svc/x) is a problem of `setting`.
 */
export function parseWorkloadRefs(
  values: readonly string[],
  setting: string,
  variable: string,
  kinds: readonly WorkloadKind[] = WORKLOAD_KINDS,
): { refs: WorkloadRef[]; issues: SettingIssue[] } {
  const refs: WorkloadRef[] = [];
  const issues: SettingIssue[] = [];
  const list = (words: string[]) => words.join(', ').replace(/, ([^,]*)$/, ' or $1');
  const forms = kinds.map((k) => `${k.toLowerCase()}/NAME`);
  const fix = `write a Deployment's name (web), or ${list(forms)}`;
  for (const value of values) {
    const ref = parseWorkloadRef(value);
    const parts = value.trim().split('/');
    const kind = parts.length === 2 ? (parts[0] as string) : undefined;
    let problem: string | undefined;
    if (kind !== undefined && !kinds.includes(KIND_NAMES[kind.toLowerCase()] as WorkloadKind))
      problem = `"${value}": kind "${kind}" is not one of ${list([...kinds])}; ${fix}`;
    else if (ref === undefined) problem = `"${value}" is not a workload name or kind/name; ${fix}`;
    if (problem) issues.push({ setting, variable, problem });
    else if (ref) refs.push(ref);
  }
  return { refs, issues };
}

/** A workload list setting parsed (see parseWorkloadRefs); undefined when it is not set. */
export function parseWorkloadsSetting(
  values: readonly string[] | undefined,
  setting: string,
  source: (setting: string) => string,
  kinds?: readonly WorkloadKind[],
): { refs: WorkloadRef[]; issues: SettingIssue[] } | undefined {
  return values !== undefined ? parseWorkloadRefs(values, setting, source(setting), kinds) : undefined;
}

/** The metadata of any Kubernetes object, as far as the plugins read or write it. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  ownerReferences?: { kind: string; name: string; uid: string }[];
}

export interface KubeObject {
  apiVersion?: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Record<string, unknown> & {
    replicas?: number;
    completions?: number;
    template?: {
      metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> };
      spec?: {
        containers?: { name: string; image: string }[];
        initContainers?: { name: string; image: string }[];
      };
    };
  };
  status?: Record<string, unknown>;
}

export interface KubeList {
  items: KubeObject[];
}

/** The same container images in the same order. */
export function sameImages(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function imagesOf(o: KubeObject): string[] {
  return (o.spec?.template?.spec?.containers ?? []).map((c) => c.image);
}

/** The rollout revision of a Deployment (deployment.kubernetes.io/revision). */
export function revisionOf(o: KubeObject): number | undefined {
  const v = o.metadata.annotations?.['deployment.kubernetes.io/revision'];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

export function buildOfWorkload(o: KubeObject): number | undefined {
  return buildOf(o.spec?.template?.metadata?.annotations) ?? buildOf(o.metadata.annotations);
}

export type RolloutState =
  | { state: 'done'; message: string }
  | { state: 'progressing'; message: string }
  | { state: 'failed'; message: string };

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** Where a workload's rollout stands, as `kubectl rollout status` would say. */
export function rolloutState(o: KubeObject): RolloutState {
  const st = o.status ?? {};
  const generation = o.metadata.generation ?? 0;
  const observed = num(st.observedGeneration);
  if (o.kind !== 'Job' && observed < generation)
    return { state: 'progressing', message: 'waiting for the controller to see the new spec' };
  const want = o.spec?.replicas ?? 1;
  switch (o.kind) {
    case 'Deployment': {
      const conditions = (st.conditions as Condition[] | undefined) ?? [];
      const progressing = conditions.find((c) => c.type === 'Progressing');
      if (progressing?.reason === 'ProgressDeadlineExceeded') {
        return {
          state: 'failed',
          message: `exceeded its progress deadline: ${progressing.message ?? ''}`.trim(),
        };
      }
      const updated = num(st.updatedReplicas);
      const total = num(st.replicas);
      const available = num(st.availableReplicas);
      const ready = num(st.readyReplicas);
      const counts = `${updated}/${want} updated, ${ready}/${want} ready`;
      if (updated < want) return { state: 'progressing', message: counts };
      if (total > updated)
        return { state: 'progressing', message: `${counts}, ${total - updated} old pending termination` };
      if (available < updated)
        return { state: 'progressing', message: `${counts}, ${available}/${want} available` };
      return { state: 'done', message: counts };
    }
    case 'StatefulSet': {
      const ready = num(st.readyReplicas);
      const updated = num(st.updatedReplicas);
      const counts = `${updated}/${want} updated, ${ready}/${want} ready`;
      if (ready < want) return { state: 'progressing', message: counts };
      const strategy = (o.spec?.updateStrategy as { type?: string } | undefined)?.type;
      if (strategy !== 'OnDelete' && st.updateRevision !== st.currentRevision && updated < want) {
        return { state: 'progressing', message: counts };
      }
      return { state: 'done', message: counts };
    }
    case 'DaemonSet': {
      const desired = num(st.desiredNumberScheduled);
      const updated = num(st.updatedNumberScheduled);
      const available = num(st.numberAvailable);
      const counts = `${updated}/${desired} updated, ${available}/${desired} available`;
      if (updated < desired || available < desired) return { state: 'progressing', message: counts };
      return { state: 'done', message: counts };
    }
    case 'Job': {
      const conditions = (st.conditions as Condition[] | undefined) ?? [];
      const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
      if (failed)
        return { state: 'failed', message: `failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim() };
      const completions = o.spec?.completions ?? 1;
      const succeeded = num(st.succeeded);
      if (succeeded >= completions)
        return { state: 'done', message: `${succeeded}/${completions} succeeded` };
      return { state: 'progressing', message: `${succeeded}/${completions} succeeded` };
    }
    default:
      return { state: 'done', message: 'not a workload' };
  }
}
