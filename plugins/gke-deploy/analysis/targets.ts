// What the analysis settings need to know of the clusters and credentials before any is
// contacted: the ids of the GKE clusters named in the settings (location/name, as the
// targets are named), and whether the credentials in `token` name a project.
import { parseCredentials } from '../../../common/gcp/credentials.ts';
import type { Masker } from '../../../common/mask.ts';

interface ClusterSettings {
  cluster?: string;
  location?: string;
  region?: string;
  zone?: string;
  clusters?: unknown[];
}

/** The ids of the GKE clusters the settings name; undefined when they come from a kubeconfig or kube_server. */
export function clusterIdsOf(s: ClusterSettings): string[] | undefined {
  if (s.cluster !== undefined) return [`${s.location ?? s.region ?? s.zone}/${s.cluster}`];
  if (s.clusters === undefined) return undefined;
  return s.clusters.map((c) => {
    if (typeof c === 'string') return c;
    const o = c as { name?: string; location?: string };
    return `${o.location}/${o.name}`;
  });
}

/**
 * Whether the credentials in `token` name a project: true, false, or undefined when they
 * cannot be read (the `token` setting's own check reports that).
 */
export function credentialsNameProject(token: string, masker: Masker): boolean | undefined {
  try {
    return parseCredentials(token, masker).projectId !== undefined;
  } catch {
    return undefined;
  }
}
