// The bad-value rows of the cluster-access settings that gke-deploy and rollback share
// (common/kube/access: kube_server … connect_gateway_endpoint): one table, so the two
// plugins' settings tests check the same values against the same messages.

/** Settings naming one GKE cluster, without kube_server: the base of most rows. */
export const GKE_CLUSTER = {
  PLUGIN_KUBE_SERVER: '',
  PLUGIN_KUBE_TOKEN: '',
  PLUGIN_CLUSTERS: 'us-central1/web',
};

/** [setting, env, problem] rows; `strayToken` is the kube_token the caller checks is never printed. */
export function clusterAccessRows(strayToken: string): [string, Record<string, string>, RegExp][] {
  const gke = GKE_CLUSTER;
  return [
    ['kube_server', { PLUGIN_KUBE_SERVER: 'not a url' }, /expected an https:\/\/ URL/],
    ['kube_token', { ...gke, PLUGIN_KUBE_TOKEN: strayToken }, /needs "kube_server"/],
    ['kube_ca', { PLUGIN_KUBE_CA: 'not a certificate' }, /is not a PEM certificate/],
    ['gke_endpoint', { PLUGIN_GKE_ENDPOINT: 'container.googleapis' }, /expected an https:\/\/ URL/],
    ['token_url', { PLUGIN_TOKEN_URL: 'oauth2' }, /expected an https:\/\/ URL/],
    [
      'internal_ip',
      { ...gke, PLUGIN_INTERNAL_IP: 'true', PLUGIN_DNS_ENDPOINT: 'true' },
      /"dns_endpoint" and "internal_ip" are two ways to the same control plane/,
    ],
    ['dns_endpoint', { ...gke, PLUGIN_DNS_ENDPOINT: 'yes' }, /expected true or false/],
    [
      'connect_gateway',
      { PLUGIN_CONNECT_GATEWAY: 'true' },
      /is for GKE clusters \("cluster" or "clusters"\); with "kube_server"/,
    ],
    [
      'membership',
      { ...gke, PLUGIN_MEMBERSHIP: 'web', PLUGIN_INTERNAL_IP: 'true' },
      /"membership" is used only with "connect_gateway: true"/,
    ],
    [
      'proxy_url',
      { ...gke, PLUGIN_PROXY_URL: 'ftp://canary-proxy-user:canary-proxy-pass-5e1@bastion:21' },
      /uses ftp; kubectl takes an http:\/\/, https:\/\/ or socks5:\/\/ proxy/,
    ],
    [
      'connect_gateway_endpoint',
      { PLUGIN_CONNECT_GATEWAY_ENDPOINT: 'gateway' },
      /expected an https:\/\/ URL/,
    ],
  ];
}
