// Cluster access settings, one schema fragment shared by gke-deploy and rollback.
import { credentialSettings, endpointSettings } from '../gcp/credentials-schema.ts';
import type { SettingSpec } from '../schema.ts';

const LOCATION = '^[a-z]+-[a-z]+[0-9]+(-[a-z])?$';
const CLUSTER_NAME = '^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$';

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
    items: {
      anyOf: [
        { type: 'string', pattern: '^[a-z]+-[a-z]+[0-9]+(-[a-z])?/[a-z]([-a-z0-9]{0,38}[a-z0-9])?$' },
        {
          type: 'object',
          properties: {
            name: { type: 'string', pattern: CLUSTER_NAME },
            location: { type: 'string', pattern: LOCATION },
            project: { type: 'string' },
            namespace: { type: 'string' },
          },
          required: ['name', 'location'],
          additionalProperties: false,
        },
      ],
      expected:
        '"location/name" (e.g. asia-northeast1/web) or an object with name, location and optionally project and namespace',
    },
    description:
      'Several GKE clusters, as `location/name` strings or objects `{name, location, project, namespace}`. Replaces `cluster` + `zone`/`region`/`location`.',
  },
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
