// How a GKE cluster's control plane is reached: its public endpoint, its internal IP, its
// DNS-based endpoint, or the fleet's Connect gateway; each optionally through an HTTP(S)
// proxy. A cluster's own fields (a `clusters` object, a `targets` entry) win over the
// step-wide ones. The checks here refuse combinations that name two ways to one cluster.
import type { SettingIssue } from '../errors.ts';
import type { Masker } from '../mask.ts';

export type AccessMode = 'public' | 'internal_ip' | 'dns_endpoint' | 'connect_gateway';

/** The modes besides the public endpoint, each a boolean setting of the same name. */
export const PRIVATE_MODES = ['internal_ip', 'dns_endpoint', 'connect_gateway'] as const;

/** The access fields of the settings, step-wide or on one cluster. */
export interface AccessOptions {
  internal_ip?: boolean | undefined;
  dns_endpoint?: boolean | undefined;
  connect_gateway?: boolean | undefined;
  proxy_url?: string | undefined;
  membership?: string | undefined;
}

/** The way to one cluster, as settled from the settings (before the GKE API was asked). */
export interface ClusterWay {
  mode: AccessMode;
  /** The setting the mode came from, for problems found later (`dns_endpoint`, `clusters`). */
  setting: string;
  proxyUrl?: string | undefined;
  /** The fleet membership given (else the cluster's own, from the GKE API). */
  membership?: string | undefined;
}

const chosen = (o: AccessOptions) => PRIVATE_MODES.filter((m) => o[m] === true);
const setsMode = (o: AccessOptions) => PRIVATE_MODES.some((m) => o[m] !== undefined);

/** One cluster's way: its own mode fields when it sets any, else the step's; the same for the proxy. */
export function wayOf(own: AccessOptions, step: AccessOptions, ownSetting: string): ClusterWay {
  const from = setsMode(own) ? own : step;
  const first = chosen(from)[0];
  const mode: AccessMode = first ?? 'public';
  const proxyUrl = own.proxy_url ?? step.proxy_url;
  const membership = own.membership ?? step.membership;
  return {
    mode,
    setting: from === own ? ownSetting : (first ?? 'proxy_url'),
    ...(proxyUrl !== undefined ? { proxyUrl } : {}),
    ...(membership !== undefined ? { membership } : {}),
  };
}

/** A proxy URL as it may be printed: without the user and password. */
export function proxyForDisplay(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(a proxy URL that could not be read)';
  }
}

/** The credentials in a proxy URL, registered as secrets before anything is printed. */
export function maskProxyCredentials(urls: readonly (string | undefined)[], masker: Masker): void {
  for (const url of urls) {
    if (url === undefined) continue;
    masker.add(url);
    try {
      const u = new URL(url);
      if (u.password) masker.add(decodeURIComponent(u.password));
      if (u.username && u.password) masker.add(`${u.username}:${u.password}`);
    } catch {
      // Refused by the checks (proxyProblem) with a fixed text.
    }
  }
}

/** What is wrong with a proxy URL, in a fixed text (it may hold a password). */
function proxyProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL; expected http://host:port, https://host:port or socks5://host:port (the value is not shown: it may hold a password)';
  }
  if (!['http:', 'https:', 'socks5:'].includes(u.protocol)) {
    return `uses ${u.protocol.replace(':', '')}; kubectl takes an http://, https:// or socks5:// proxy`;
  }
  return undefined;
}

/** The problems of one set of access fields (the step's, or one cluster's, named by `where`), each with its setting. */
function optionIssues(o: AccessOptions, where: string): [string, string][] {
  const problems: [string, string][] = [];
  const modes = chosen(o);
  if (modes.includes('dns_endpoint') && modes.includes('internal_ip')) {
    const both = `${where}"dns_endpoint" and "internal_ip" are two ways to the same control plane: set one (the DNS endpoint needs no network route; the internal IP needs one)`;
    problems.push(['internal_ip', both]);
  } else if (modes.length > 1) {
    const set = `${where}set only one of "${modes.join('", "')}": each is a different way to the cluster`;
    problems.push([modes[1] as string, set]);
  }
  if (o.membership !== undefined && !modes.includes('connect_gateway') && setsMode(o)) {
    const only = `${where}"membership" is used only with "connect_gateway: true"; set it, or remove "membership"`;
    problems.push(['membership', only]);
  }
  const proxy = o.proxy_url !== undefined ? proxyProblem(o.proxy_url) : undefined;
  if (proxy) problems.push(['proxy_url', `${where}"proxy_url" ${proxy}`]);
  return problems;
}

export interface AccessModeInput extends AccessOptions {
  cluster?: string | undefined;
  clusters?: unknown[] | undefined;
  kubeconfig?: string | undefined;
  kube_server?: string | undefined;
}

/** The access fields of the step and of each `clusters` object: one way per cluster, GKE clusters only. */
export function checkAccessModes(s: AccessModeInput, source: (setting: string) => string): SettingIssue[] {
  const issues: SettingIssue[] = [];
  const issue = (setting: string, problem: string) =>
    issues.push({ setting, variable: source(setting), problem });
  for (const [setting, p] of optionIssues(s, '')) issue(setting, p);
  const given = [...PRIVATE_MODES, 'proxy_url', 'membership'].filter(
    (k) => s[k as keyof AccessOptions] !== undefined,
  );
  const outside =
    s.kubeconfig !== undefined ? 'kubeconfig' : s.kube_server !== undefined ? 'kube_server' : '';
  if (outside && given.length > 0) {
    issue(
      given[0] as string,
      `is for GKE clusters ("cluster" or "clusters"); with "${outside}" the address is in "${outside}" itself`,
    );
  }
  if (s.membership !== undefined && (s.clusters?.length ?? 0) > 1) {
    issue(
      'membership',
      'names one fleet membership but "clusters" has several; set "membership" on each of them',
    );
  }
  (s.clusters ?? []).forEach((c, i) => {
    if (typeof c !== 'object' || c === null) return;
    const o = c as AccessOptions & { location?: unknown; name?: unknown };
    const where = `item ${i + 1} (${String(o.location)}/${String(o.name)}): `;
    for (const [, p] of optionIssues(o, where)) issue('clusters', p);
  });
  return issues;
}
