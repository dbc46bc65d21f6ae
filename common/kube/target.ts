// One cluster that a plugin acts on, after access is resolved.
import type { AccessInfo } from './gke-endpoint.ts';

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
  /** GKE clusters: the way in (public endpoint, internal IP, DNS endpoint, Connect gateway; proxy). */
  access?: AccessInfo | undefined;
}

/** How a cluster is named in a deploy summary (empty location and project left out). */
export function targetFields(t: ClusterTarget): {
  id: string;
  name: string;
  location?: string;
  project?: string;
  namespace: string;
  access?: AccessInfo;
} {
  return {
    id: t.id,
    name: t.name,
    ...(t.location ? { location: t.location } : {}),
    ...(t.project ? { project: t.project } : {}),
    namespace: t.namespace,
    ...(t.access ? { access: t.access } : {}),
  };
}

/** A namespace name as Kubernetes takes it: a DNS-1123 label. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_NAMESPACE = 63;

export type MappedNamespace = { ok: true; namespace: string } | { ok: false; problem: string };

/**
 * A namespace setting mapped the way drone-gke mapped it — lower case, every run of
 * characters other than a-z, 0-9 and - becomes one - (`Feature/Login` is `feature-login`) —
 * and then checked, never cut or trimmed into another name: the result must be a DNS-1123
 * label, starting and ending with a letter or digit, at most 63 characters.
 */
export function mapNamespace(given: string): MappedNamespace {
  const namespace = given.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  const as = namespace === given ? '' : ` (mapped to "${namespace}")`;
  if (namespace.length > MAX_NAMESPACE) {
    return {
      ok: false,
      problem: `"${given}"${as} is ${namespace.length} characters; a namespace has at most ${MAX_NAMESPACE}: shorten it`,
    };
  }
  if (!DNS_LABEL.test(namespace)) {
    return {
      ok: false,
      problem: `"${given}"${as} is not a valid namespace: it must start and end with a letter or digit (a-z, 0-9, and - in between); change it, e.g. "production"`,
    };
  }
  return { ok: true, namespace };
}
