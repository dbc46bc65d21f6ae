// The rollout history of workloads, read once per cluster: the ReplicaSets of Deployments
// and the ControllerRevisions of StatefulSets and DaemonSets, each with its revision number,
// its images and the Drone build that gke-deploy recorded on its pod template.
import type { Kubectl } from './kubectl.ts';
import { buildOf } from './provenance.ts';
import type { ClusterTarget } from './target.ts';
import type { KubeList, KubeObject } from './workloads.ts';

export interface Revision {
  revision: number;
  images: string[];
  build: number | undefined;
}

type PodTemplate = {
  metadata?: { annotations?: Record<string, string> };
  spec?: { containers?: { image?: string }[] };
};

function fromTemplate(revision: number, template: PodTemplate | undefined): Revision {
  return {
    revision,
    images: (template?.spec?.containers ?? []).map((c) => c.image ?? '?'),
    build: buildOf(template?.metadata?.annotations),
  };
}

/** Revisions of every workload in the namespace, by owner uid, oldest first. */
export async function readHistory(kubectl: Kubectl, t: ClusterTarget): Promise<Map<string, Revision[]>> {
  const list = await kubectl.json<KubeList>(t, ['get', 'replicasets,controllerrevisions'], {
    namespace: t.namespace,
  });
  const byOwner = new Map<string, Revision[]>();
  for (const o of list.items) {
    const owner = o.metadata.ownerReferences?.find((r) =>
      ['Deployment', 'StatefulSet', 'DaemonSet'].includes(r.kind),
    );
    if (!owner) continue;
    let rev: Revision | undefined;
    if (o.kind === 'ReplicaSet') {
      const n = Number(o.metadata.annotations?.['deployment.kubernetes.io/revision']);
      if (Number.isInteger(n)) rev = fromTemplate(n, o.spec?.template);
    } else {
      const cr = o as KubeObject & { revision?: number; data?: { spec?: { template?: PodTemplate } } };
      if (typeof cr.revision === 'number') rev = fromTemplate(cr.revision, cr.data?.spec?.template);
    }
    if (!rev) continue;
    const revisions = byOwner.get(owner.uid) ?? [];
    revisions.push(rev);
    byOwner.set(owner.uid, revisions);
  }
  for (const revs of byOwner.values()) revs.sort((a, b) => a.revision - b.revision);
  return byOwner;
}

export function describeRevision(r: Revision | undefined): string {
  if (!r) return '-';
  const build = r.build !== undefined ? `build ${r.build}, ` : '';
  return `${r.images.join(', ') || '?'} (${build}revision ${r.revision})`;
}
