// The cluster access settings as gke-deploy and rollback hand them to access.ts, and the
// namespace each cluster gets from them.
import { SettingsError } from '../errors.ts';
import type { AccessOptions } from './access-mode.ts';
import { readKubeconfig } from './kubeconfig.ts';
import { mapNamespace } from './target.ts';

export interface ClusterObject extends AccessOptions {
  name?: string;
  location?: string;
  project?: string;
  namespace?: string;
}

export interface AccessSettings extends AccessOptions {
  token?: string;
  project?: string;
  cluster?: string;
  zone?: string;
  region?: string;
  location?: string;
  clusters?: (string | ClusterObject)[];
  namespace?: string;
  kubeconfig?: string;
  kube_server?: string;
  kube_token?: string;
  kube_ca?: string;
  gke_endpoint?: string;
  token_url?: string;
  connect_gateway_endpoint?: string;
}

/**
 * The namespace of the step: `namespace` when it is set; otherwise, with `kubeconfig`, the
 * namespace of its current context; otherwise `default`. (A `clusters` entry's own
 * namespace wins over all of these, for that cluster.)
 */
export function stepNamespace(s: AccessSettings, source: (k: string) => string): string {
  if (s.namespace !== undefined) return namespaceOf(s.namespace, 'namespace', source('namespace'));
  const read = s.kubeconfig !== undefined ? readKubeconfig(s.kubeconfig) : undefined;
  const own = read?.ok ? read.kubeconfig.namespace : undefined;
  return own !== undefined ? namespaceOf(own, 'kubeconfig', source('kubeconfig')) : 'default';
}

/**
 * A namespace setting as the clusters get it. The settings checks have refused one that is
 * not valid (checkNamespaces), so this throws only when a caller skipped them.
 */
export function namespaceOf(given: string, setting: string, variable: string): string {
  const mapped = mapNamespace(given);
  if (!mapped.ok) throw new SettingsError([{ setting, variable, problem: mapped.problem }]);
  return mapped.namespace;
}
