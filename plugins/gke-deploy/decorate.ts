// What gke-deploy adds to the manifests: provenance (label, annotations on the workload
// and its pod template), and the team's rolling-update rule: never drop capacity.
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  type Provenance,
  provenanceAnnotations,
} from '../../common/kube/provenance.ts';
import type { Manifest } from './manifests.ts';

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

type Meta = { labels?: Record<string, string>; annotations?: Record<string, string> };

function merge(meta: Meta, labels: Record<string, string>, annotations: Record<string, string>): void {
  meta.labels = { ...meta.labels, ...labels };
  meta.annotations = { ...meta.annotations, ...annotations };
}

export function addProvenance(manifests: readonly Manifest[], p: Provenance, changeCause: string): void {
  const annotations = provenanceAnnotations(p, changeCause);
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY };
  for (const { doc } of manifests) {
    if (!WORKLOADS.has(doc.kind)) continue;
    merge(doc.metadata as Meta, labels, annotations);
    const spec = doc.spec as { template?: { metadata?: Meta } } | undefined;
    if (spec) {
      spec.template ??= {};
      spec.template.metadata ??= {};
      // The pod template carries the build too: ReplicaSets keep it, so rollback can find builds.
      const { ['kubernetes.io/change-cause']: _cause, ...podAnnotations } = annotations;
      merge(spec.template.metadata, {}, podAnnotations);
    }
  }
}

export const SAFE_ROLLING_UPDATE = { maxSurge: '10%', maxUnavailable: 0 };

const isZero = (v: unknown) => v === 0 || v === '0' || v === '0%';

export interface PolicyFinding {
  manifest: Manifest;
  problem: string;
}

/**
 * Gives Deployments without a strategy the safe rolling update (when `applyDefault`), and
 * returns every Deployment whose update may drop capacity.
 */
export function applyStrategyPolicy(manifests: readonly Manifest[], applyDefault: boolean): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const m of manifests) {
    if (m.doc.kind !== 'Deployment') continue;
    m.doc.spec ??= {};
    const spec = m.doc.spec as { strategy?: { type?: string; rollingUpdate?: Record<string, unknown> } };
    if (!spec.strategy && applyDefault) {
      spec.strategy = { type: 'RollingUpdate', rollingUpdate: { ...SAFE_ROLLING_UPDATE } };
      continue;
    }
    const s = spec.strategy ?? {};
    if (s.type === 'Recreate') {
      findings.push({
        manifest: m,
        problem: 'uses strategy Recreate, which stops every pod before starting new ones',
      });
      continue;
    }
    // Kubernetes' own default for an unset maxUnavailable is 25%.
    const maxUnavailable = s.rollingUpdate?.maxUnavailable ?? '25%';
    if (!isZero(maxUnavailable)) {
      findings.push({
        manifest: m,
        problem: `allows maxUnavailable ${JSON.stringify(maxUnavailable)}: pods may be taken down before new ones are ready (use maxUnavailable: 0 with a maxSurge)`,
      });
    }
  }
  return findings;
}
