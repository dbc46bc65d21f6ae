// One cluster that a plugin acts on, after access is resolved.

export interface ClusterTarget {
  /** How the cluster is named in logs and tables: location/name for GKE clusters. */
  id: string;
  name: string;
  location?: string | undefined;
  project?: string | undefined;
  namespace: string;
  /** A 0600 kubeconfig file for this cluster alone. */
  kubeconfig: string;
  context: string;
  server: string;
}

/** How a cluster is named in a deploy summary (empty location and project left out). */
export function targetFields(t: ClusterTarget): {
  id: string;
  name: string;
  location?: string;
  project?: string;
  namespace: string;
} {
  return {
    id: t.id,
    name: t.name,
    ...(t.location ? { location: t.location } : {}),
    ...(t.project ? { project: t.project } : {}),
    namespace: t.namespace,
  };
}

/** A namespace as Kubernetes accepts it: lowercase, a-z 0-9 and -, at most 63 characters. */
export function sanitizeNamespace(ns: string): string {
  const s = ns
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return s === '' ? 'default' : s;
}
