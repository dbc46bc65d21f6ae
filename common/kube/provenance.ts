// What gke-deploy records on each workload and its pod template, and what rollback reads
// back: the Drone build that deployed a revision.

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'gke-deploy';

export const ANNOTATION = {
  build: 'drone-gke/build-number',
  commit: 'drone-gke/commit',
  buildLink: 'drone-gke/build-link',
  deployer: 'drone-gke/deployer',
  repo: 'drone-gke/repo',
  changeCause: 'kubernetes.io/change-cause',
} as const;

export interface Provenance {
  build?: number | undefined;
  commit?: string | undefined;
  buildLink?: string | undefined;
  deployer?: string | undefined;
  repo?: string | undefined;
}

/** The annotations to set for a deploy (empty values left out). */
export function provenanceAnnotations(p: Provenance, changeCause: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (p.build !== undefined) out[ANNOTATION.build] = String(p.build);
  if (p.commit) out[ANNOTATION.commit] = p.commit;
  if (p.buildLink) out[ANNOTATION.buildLink] = p.buildLink;
  if (p.deployer) out[ANNOTATION.deployer] = p.deployer;
  if (p.repo) out[ANNOTATION.repo] = p.repo;
  out[ANNOTATION.changeCause] = changeCause;
  return out;
}

/** The build number recorded in a set of annotations, if any. */
export function buildOf(annotations: Record<string, string> | undefined): number | undefined {
  const v = annotations?.[ANNOTATION.build];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}
