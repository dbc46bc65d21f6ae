// Cross-setting rules of the shared cluster access settings: which combinations name a
// cluster unambiguously, a kubeconfig that names none or a CA that is no certificate,
// namespaces that Kubernetes would refuse, and one way in per cluster (access-mode.ts). Messages say what to
// set instead.
import type { SettingIssue } from '../errors.ts';
import { type AccessOptions, checkAccessModes } from './access-mode.ts';
import { readCaCertificate, readKubeconfig } from './kubeconfig.ts';
import { mapNamespace } from './target.ts';

export interface ClusterAccessInput extends AccessOptions {
  cluster?: string;
  zone?: string;
  region?: string;
  location?: string;
  clusters?: unknown[];
  kubeconfig?: string;
  kube_server?: string;
  kube_token?: string;
  kube_ca?: string;
  namespace?: string;
}

/**
 * `invalid`: settings given but refused by the schema (absent from `s`). They still count as
 * given here, so that a refused `clusters` is not also reported as "no cluster given".
 */
export function checkClusterAccess(
  s: ClusterAccessInput,
  source: (setting: string) => string,
  invalid: ReadonlySet<string> = new Set(),
): SettingIssue[] {
  const issues: SettingIssue[] = [];
  const issue = (setting: string, problem: string) =>
    issues.push({ setting, variable: source(setting), problem });
  const given = (k: keyof ClusterAccessInput) => s[k] !== undefined || invalid.has(k);
  const places = (['zone', 'region', 'location'] as const).filter(given);
  const ways = (['cluster', 'clusters', 'kubeconfig', 'kube_server'] as const).filter(given);

  if (ways.length === 0) {
    issue(
      'cluster',
      'no cluster given: set "cluster" with one of "zone", "region" or "location"; or "clusters"; or "kubeconfig"; or "kube_server" with "kube_token"',
    );
  } else if (ways.length > 1) {
    issue(ways[1] as string, `set only one of "${ways.join('", "')}": they name clusters in different ways`);
  }
  if (given('cluster') && places.length === 0) {
    issue('cluster', 'set one of "zone", "region" or "location" for the cluster');
  }
  if (places.length > 1) {
    issue(places[1] as string, `set "${places[0]}" or "${places[1]}", not both`);
  }
  if (!given('cluster') && places.length > 0) {
    issue(places[0] as string, `"${places[0]}" needs "cluster"; with "clusters" write each as location/name`);
  }
  if (given('kube_server') && !given('kube_token')) {
    issue('kube_token', 'is required with "kube_server"');
  }
  if (!given('kube_server') && (given('kube_token') || given('kube_ca'))) {
    issue(given('kube_token') ? 'kube_token' : 'kube_ca', 'needs "kube_server"');
  }
  if (s.kube_ca !== undefined) {
    const ca = readCaCertificate(s.kube_ca);
    if (!ca.ok) issue('kube_ca', ca.problem);
  }
  if (s.kubeconfig !== undefined) {
    // Read here too, so that a kubeconfig kubectl could not use is reported with the rest.
    const read = readKubeconfig(s.kubeconfig);
    const own = read.ok && s.namespace === undefined ? read.kubeconfig.namespace : undefined;
    const mapped = own !== undefined ? mapNamespace(own) : undefined;
    if (!read.ok) issue('kubeconfig', read.problem);
    else if (mapped && (!mapped.ok || mapped.namespace !== own))
      issue(
        'kubeconfig',
        `the namespace of its current context is not a valid namespace; fix it there, or set "namespace"`,
      );
  }
  issues.push(...checkNamespaces(s, source));
  issues.push(...checkAccessModes(s, source));
  return issues;
}

/** `namespace`, and the namespace of each `clusters` entry: valid after the mapping, or a problem. */
export function checkNamespaces(
  s: Pick<ClusterAccessInput, 'namespace' | 'clusters'>,
  source: (setting: string) => string,
): SettingIssue[] {
  const issues: SettingIssue[] = [];
  if (s.namespace !== undefined) {
    const mapped = mapNamespace(s.namespace);
    if (!mapped.ok)
      issues.push({ setting: 'namespace', variable: source('namespace'), problem: mapped.problem });
  }
  (s.clusters ?? []).forEach((c, i) => {
    if (typeof c !== 'object' || c === null) return;
    const { namespace, location, name } = c as { namespace?: unknown; location?: unknown; name?: unknown };
    if (typeof namespace !== 'string') return;
    const mapped = mapNamespace(namespace);
    if (!mapped.ok)
      issues.push({
        setting: 'clusters',
        variable: source('clusters'),
        problem: `item ${i + 1} (${String(location)}/${String(name)}), namespace: ${mapped.problem}`,
      });
  });
  return issues;
}
