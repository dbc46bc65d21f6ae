// rollback's settings: the same cluster access as gke-deploy (one shared fragment).
import { accessModeProperties, clusterAccessSettings, clusterItem } from '../../common/kube/access-schema.ts';
import { lockSettings } from '../../common/kube/lock-schema.ts';
import type { PluginSchema } from '../../common/schema.ts';
import { DEFAULT_SUMMARY_FILE } from '../../common/summary.ts';

export const schema = {
  plugin: 'rollback',
  description:
    'Undo a deploy on one or many GKE clusters: to the previous revision, a revision, or a Drone build.',
  properties: {
    ...clusterAccessSettings,
    deployments: {
      type: 'array',
      items: {
        type: 'string',
        pattern: '^([a-z]+/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
        expected: 'workload names such as web or deployment/web',
      },
      description:
        'Workloads to roll back: Deployment names, or kind/name with kind deployment (deploy), statefulset (sts) or daemonset (ds). Any other kind is refused before a cluster is contacted. Default: every workload in `namespace` labelled as managed by gke-deploy.',
    },
    to_revision: {
      type: 'integer',
      minimum: 1,
      description:
        'Roll back to this rollout revision (as in kubectl rollout history) instead of the previous one.',
    },
    to_build: {
      type: 'integer',
      minimum: 1,
      description:
        "Roll back to the revision that this Drone build number deployed (found through gke-deploy's annotations).",
    },
    targets: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: {
          clusters: { type: 'array', items: clusterItem, minItems: 1 },
          namespace: { type: 'string' },
          ...accessModeProperties,
        },
        required: ['clusters'],
        additionalProperties: false,
      },
      description:
        'For `drone build rollback` / `drone build promote`: a map from DRONE_DEPLOY_TO to {clusters, namespace} (clusters as in `clusters`), and optionally the way in for them all: internal_ip, dns_endpoint, connect_gateway, membership, proxy_url.',
    },
    dry_run: {
      type: 'boolean',
      default: false,
      description:
        'Print the plan (per cluster: workload, current image and build, target image and build) and change nothing.',
    },
    timeout: {
      type: 'string',
      format: 'duration',
      default: '5m',
      expected: 'a duration such as 300s, 5m or 1h',
      description: 'Overall time to wait for the rollbacks to become healthy.',
    },
    ...lockSettings,
    summary_file: {
      type: 'string',
      default: DEFAULT_SUMMARY_FILE,
      description: 'Where to write the JSON summary that slack-notify reads (the same format as gke-deploy).',
    },
    debug: {
      type: 'boolean',
      default: false,
      description: 'Print debug lines (commands run, timings).',
    },
  },
} satisfies PluginSchema;
