// Cluster access settings, one schema fragment shared by gke-deploy and rollback.
import { credentialSettings, endpointSettings } from '../gcp/credentials-schema.ts';
import type { SettingSpec } from '../schema.ts';

const LOCATION = '^[a-z]+-[a-z]+[0-9]+(-[a-z])?$';
const CLUSTER_NAME = '^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$';
const CLUSTER_STRING = '^[a-z]+-[a-z]+[0-9]+(-[a-z])?/[a-z]([-a-z0-9]{0,38}[a-z0-9])?$';

/** The way to a cluster, on one cluster (in `clusters` objects and `targets`). */
export const accessModeProperties = {
  internal_ip: { type: 'boolean' },
  dns_endpoint: { type: 'boolean' },
  connect_gateway: { type: 'boolean' },
  proxy_url: { type: 'string' },
  membership: { type: 'string' },
} as const;

/** A `clusters` item: location/name, or an object with its own project, namespace and way in. */
export const clusterItem = {
  anyOf: [
    { type: 'string', pattern: CLUSTER_STRING },
    {
      type: 'object',
      properties: {
        name: { type: 'string', pattern: CLUSTER_NAME },
        location: { type: 'string', pattern: LOCATION },
        project: { type: 'string' },
        namespace: { type: 'string' },
        ...accessModeProperties,
      },
      required: ['name', 'location'],
      additionalProperties: false,
    },
  ],
  expected:
    '"location/name" (e.g. asia-northeast1/web) or an object with name, location and optionally project, namespace, internal_ip, dns_endpoint, connect_gateway, membership, proxy_url',
} as const;

/** The step-wide way to the GKE clusters (each `clusters` object may set its own). */
const accessModeSettings = {
  internal_ip: {
    type: 'boolean',
    description:
      "Reach the GKE clusters through their internal IP (`privateClusterConfig.privateEndpoint`), like `gcloud container clusters get-credentials --internal-ip`: the step must run inside the cluster's VPC (or use `proxy_url`). A cluster without a private endpoint stops the step before anything is applied.",
  },
  dns_endpoint: {
    type: 'boolean',
    description:
      "Reach the GKE clusters through their DNS-based control-plane endpoint (`controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint`), like `get-credentials --dns-endpoint`. Its certificate is a public one, checked with the system's CA store (no cluster CA). Not with `internal_ip`.",
  },
  connect_gateway: {
    type: 'boolean',
    description:
      "Reach the GKE clusters through the fleet's Connect gateway (connectgateway.googleapis.com), with the cluster's fleet membership (`fleet.membership` of the cluster) or `membership`. Needs roles/gkehub.gatewayEditor.",
  },
  membership: {
    type: 'string',
    description:
      'With `connect_gateway`: the fleet membership, as a name or in full (projects/<number>/locations/<location>/memberships/<name>). Default: the one the cluster reports.',
  },
  proxy_url: {
    type: 'string',
    secret: true,
    description:
      "An HTTP(S) or SOCKS5 proxy to the control planes (the kubeconfig's proxy-url), e.g. a bastion: http://user:password@bastion:3128. With any way in. Its credentials are masked and left out of the summary.",
  },
  connect_gateway_endpoint: {
    type: 'string',
    format: 'uri',
    expected: 'an https:// URL',
    description:
      'Override of the Connect gateway (default https://connectgateway.googleapis.com). For tests.',
  },
} satisfies Record<string, SettingSpec>;

export const clusterAccessSettings = {
  ...credentialSettings,
  cluster: {
    type: 'string',
    pattern: CLUSTER_NAME,
    expected: 'a GKE cluster name (lowercase letters, digits and dashes)',
    description:
      'Name of one GKE cluster. Needs exactly one of `zone`, `region` or `location`. Use `clusters` for several.',
  },
  zone: {
    type: 'string',
    pattern: '^[a-z]+-[a-z]+[0-9]+-[a-z]$',
    expected: 'a zone such as asia-northeast1-a',
    description: 'Zone of a zonal `cluster`.',
  },
  region: {
    type: 'string',
    pattern: '^[a-z]+-[a-z]+[0-9]+$',
    expected: 'a region such as asia-northeast1',
    description: 'Region of a regional `cluster`.',
  },
  location: {
    type: 'string',
    pattern: LOCATION,
    expected: 'a region or zone such as asia-northeast1 or asia-northeast1-a',
    description: 'Region or zone of `cluster` (either form).',
  },
  clusters: {
    type: 'array',
    minItems: 1,
    items: clusterItem,
    description:
      'Several GKE clusters, as `location/name` strings or objects `{name, location, project, namespace}` that may also set their own way in: `internal_ip`, `dns_endpoint`, `connect_gateway` (+ `membership`), `proxy_url`. Replaces `cluster` + `zone`/`region`/`location`.',
  },
  ...accessModeSettings,
  namespace: {
    type: 'string',
    description:
      'Kubernetes namespace. Default: with `kubeconfig`, the namespace of its current context; otherwise `default`. Mapped once (lowercase; each run of characters other than a-z, 0-9 and - becomes one -, so Feature/Login is feature-login) and used everywhere. The result must be a valid namespace: at most 63 characters, starting and ending with a letter or digit; otherwise the step stops before contacting any cluster (nothing is cut or trimmed). A `clusters` entry may set its own, checked the same way.',
  },
  kubeconfig: {
    type: 'string',
    secret: true,
    env: ['KUBECONFIG_DATA'],
    description:
      'A kubeconfig (YAML, or base64) for a cluster outside GKE. Replaces the GKE cluster settings.',
  },
  kube_server: {
    type: 'string',
    format: 'uri',
    expected: 'an https:// URL such as https://10.0.0.1',
    description: 'API server URL of a cluster outside GKE (with `kube_token` and `kube_ca`).',
  },
  kube_token: {
    type: 'string',
    secret: true,
    env: ['KUBE_TOKEN'],
    description: 'Bearer token for `kube_server`.',
  },
  kube_ca: {
    type: 'string',
    description: 'PEM (or base64 PEM) CA certificate of `kube_server`.',
  },
  gke_endpoint: {
    type: 'string',
    format: 'uri',
    expected: 'an https:// URL',
    description:
      'Override of the Kubernetes Engine API endpoint (default https://container.googleapis.com). For tests and private endpoints.',
  },
  ...endpointSettings,
} satisfies Record<string, SettingSpec>;
