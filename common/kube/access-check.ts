// Cross-setting rules of the shared cluster access settings: which combinations name a
// cluster unambiguously. Messages say what to set instead.
import type { SettingIssue } from '../errors.ts';

export interface ClusterAccessInput {
  cluster?: string;
  zone?: string;
  region?: string;
  location?: string;
  clusters?: unknown[];
  kubeconfig?: string;
  kube_server?: string;
  kube_token?: string;
  kube_ca?: string;
}

export function checkClusterAccess(
  s: ClusterAccessInput,
  source: (setting: string) => string,
): SettingIssue[] {
  const issues: SettingIssue[] = [];
  const issue = (setting: string, problem: string) =>
    issues.push({ setting, variable: source(setting), problem });
  const places = (['zone', 'region', 'location'] as const).filter((k) => s[k] !== undefined);
  const ways = [
    s.cluster !== undefined && 'cluster',
    s.clusters !== undefined && 'clusters',
    s.kubeconfig !== undefined && 'kubeconfig',
    s.kube_server !== undefined && 'kube_server',
  ].filter((w): w is string => w !== false);

  if (ways.length === 0) {
    issue(
      'cluster',
      'no cluster given: set "cluster" with one of "zone", "region" or "location"; or "clusters"; or "kubeconfig"; or "kube_server" with "kube_token"',
    );
  } else if (ways.length > 1) {
    issue(ways[1] as string, `set only one of "${ways.join('", "')}": they name clusters in different ways`);
  }
  if (s.cluster !== undefined && places.length === 0) {
    issue('cluster', 'set one of "zone", "region" or "location" for the cluster');
  }
  if (places.length > 1) {
    issue(places[1] as string, `set "${places[0]}" or "${places[1]}", not both`);
  }
  if (s.cluster === undefined && places.length > 0) {
    issue(places[0] as string, `"${places[0]}" needs "cluster"; with "clusters" write each as location/name`);
  }
  if (s.kube_server !== undefined && s.kube_token === undefined) {
    issue('kube_token', 'is required with "kube_server"');
  }
  if (s.kube_server === undefined && (s.kube_token !== undefined || s.kube_ca !== undefined)) {
    issue(s.kube_token !== undefined ? 'kube_token' : 'kube_ca', 'needs "kube_server"');
  }
  return issues;
}
