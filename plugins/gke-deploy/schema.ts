// gke-deploy's settings. Names follow nytimes/drone-gke where it has one.
import { clusterAccessSettings } from '../../common/kube/access-schema.ts';
import { lockSettings } from '../../common/kube/lock-schema.ts';
import type { PluginSchema } from '../../common/schema.ts';
import { DEFAULT_SUMMARY_FILE } from '../../common/summary.ts';

/** What an `analysis` check leaves out, as Flagger and Argo Rollouts default them. */
export const CHECK_DEFAULTS = { interval: '30s', count: 3, failure_limit: 0, on_no_data: 'fail' } as const;

export const schema = {
  plugin: 'gke-deploy',
  description:
    'Render Kubernetes manifests, apply them to one or many GKE clusters, wait for the rollout, and roll back automatically when it fails.',
  properties: {
    ...clusterAccessSettings,
    template: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      description:
        'Manifest templates: files, folders (every .yml/.yaml inside, in name order) or a list of both. Go-template style variables ({{.COMMIT}}, {{.BUILD_NUMBER}}, your `vars`). Default: .kube.yml (none with `kustomize`).',
    },
    kustomize: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      description:
        'Kustomize folders (each with a kustomization.yaml), e.g. overlays/production, rendered with `kubectl kustomize` in order; instead of `template`. The result gets `images`, the provenance annotations and the rolling-update policy like templates (no template variables). The secret template is still applied.',
    },
    secret_template: {
      type: 'string',
      default: '.kube.sec.yml',
      description:
        "Template for Secret manifests, filled from SECRET_* environment variables. Its rendered content and kubectl's output for it are never printed. Skipped when the file does not exist.",
    },
    skip_secret_template: {
      type: 'boolean',
      default: false,
      description:
        'drone-gke compatibility: do not render or apply `secret_template`, even when the file exists.',
    },
    vars: {
      type: 'object',
      additionalProperties: { type: ['string', 'number', 'boolean'] },
      default: {},
      description: 'Variables for the templates, as a map (JSON in PLUGIN_VARS).',
    },
    expand_env_vars: {
      type: 'boolean',
      default: false,
      description: 'Expand $VARIABLES from the environment inside `vars` values.',
    },
    images: {
      type: 'array',
      items: {
        type: 'string',
        pattern: '^[^\\s]+$',
        expected: 'image references such as gcr.io/my-project/web:1.2.3',
      },
      default: [],
      description:
        'Images to set: each replaces the image of every container whose image has the same repository (registry:port/path/name), keeping nothing of the old tag or digest. An entry that matches no container stops the step before any cluster is contacted.',
    },
    create_namespace: {
      type: 'boolean',
      default: false,
      description: 'Create `namespace` on each cluster when it does not exist.',
    },
    default_strategy: {
      type: 'boolean',
      default: true,
      description:
        'Give Deployments that declare no strategy a rolling update of maxSurge 10% / maxUnavailable 0.',
    },
    strategy_policy: {
      type: 'string',
      enum: ['warn', 'enforce', 'off'] as const,
      default: 'warn',
      description:
        'What to do with a Deployment whose rolling update may drop capacity (maxUnavailable above 0): warn, fail the step (enforce), or nothing (off).',
    },
    server_side: {
      type: 'boolean',
      default: false,
      description: 'Use server-side apply (kubectl apply --server-side).',
    },
    dry_run: {
      type: 'boolean',
      default: false,
      description:
        'Render, run the server-side dry-run on every cluster and print kubectl diff (secrets masked); change nothing.',
    },
    timeout: {
      type: 'string',
      format: 'duration',
      default: '5m',
      expected: 'a duration such as 300s, 5m or 1h',
      description: 'Overall time to wait for every rollout on every cluster.',
    },
    wait_deployments: {
      type: 'array',
      items: { type: 'string' },
      description:
        'drone-gke compatibility: only wait for these workloads: Deployment names, or kind/name with kind deployment, statefulset, daemonset or job (kubectl short names too). By default every applied Deployment, StatefulSet and DaemonSet is waited for.',
    },
    wait_seconds: {
      type: 'integer',
      minimum: 1,
      description: 'drone-gke compatibility: the same as `timeout`, in seconds.',
    },
    wait_jobs: {
      type: 'boolean',
      default: false,
      description: 'Also wait for applied Jobs to complete.',
    },
    parallel: {
      type: 'boolean',
      default: true,
      description:
        'Deploy to all clusters at once. When false, the first cluster goes first (a canary) and the rest follow only when it is healthy.',
    },
    rollback_on_failure: {
      type: 'boolean',
      default: true,
      description:
        'When any cluster fails (rollout or `verify`), roll every cluster this run changed back to the revision recorded before apply.',
    },
    verify: {
      type: 'array',
      items: {
        anyOf: [
          { type: 'string', format: 'uri' },
          {
            type: 'object',
            properties: {
              url: { type: 'string', format: 'uri' },
              status: { type: 'integer', minimum: 100, maximum: 599 },
              body: { type: 'string' },
              retries: { type: 'integer', minimum: 0, maximum: 100 },
              interval: { type: 'string', format: 'duration' },
            },
            required: ['url'],
            additionalProperties: false,
          },
        ],
        expected: 'a URL, or an object {url, status, body, retries, interval}',
      },
      default: [],
      description:
        'HTTP checks after the rollout: URLs, or objects {url, status (default 200), body (a regular expression), retries, interval}. A failure rolls back.',
    },
    analysis: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9][-A-Za-z0-9_.]*$' },
          query: { type: 'string', minLength: 1 },
          min: { type: 'number' },
          max: { type: 'number' },
          interval: { type: 'string', format: 'duration', default: CHECK_DEFAULTS.interval },
          count: { type: 'integer', minimum: 1, maximum: 1000, default: CHECK_DEFAULTS.count },
          failure_limit: { type: 'integer', minimum: 0, default: CHECK_DEFAULTS.failure_limit },
          on_no_data: { type: 'string', enum: ['fail', 'pass', 'retry'], default: CHECK_DEFAULTS.on_no_data },
        },
        required: ['name', 'query'],
        additionalProperties: false,
        expected:
          'objects {name, query, min, max, interval, count, failure_limit, on_no_data} with a name such as error-rate and a PromQL query',
      },
      default: [],
      description: `Prometheus checks after each rollout: objects {name, query, min, max, interval (default ${CHECK_DEFAULTS.interval}), count (default ${CHECK_DEFAULTS.count}), failure_limit (default ${CHECK_DEFAULTS.failure_limit}), on_no_data: fail, pass or retry (default ${CHECK_DEFAULTS.on_no_data})}. \`query\` is PromQL and may use {{.cluster}}, {{.location}}, {{.namespace}}, {{.deployment}}, {{.build}} and {{.image}}; it must return one number (a scalar or a one-element vector), which must stay within min and max.`,
    },
    analysis_endpoint: {
      anyOf: [
        { type: 'string', enum: ['managed'] },
        { type: 'string', format: 'uri' },
        { type: 'object', additionalProperties: { type: 'string', format: 'uri' }, minProperties: 1 },
      ],
      expected:
        'a Prometheus URL such as http://prometheus:9090, "managed", or an object {"asia-northeast1/web": URL} with one URL per cluster',
      description:
        'Where `analysis` queries go: a Prometheus HTTP API base URL, one per cluster as {"location/name": URL}, or `managed` for Google Cloud Managed Service for Prometheus (the project of `project` or of the credentials, with their token).',
    },
    analysis_headers: {
      type: 'object',
      additionalProperties: { type: 'string' },
      secret: true,
      default: {},
      description:
        'HTTP headers for a self-hosted `analysis_endpoint`, as a map such as {"Authorization": "Bearer ..."}. Secret: the values are never printed.',
    },
    monitoring_endpoint: {
      type: 'string',
      format: 'uri',
      expected: 'an https:// URL',
      description:
        'Override of the Cloud Monitoring endpoint that `analysis_endpoint: managed` queries (default https://monitoring.googleapis.com). For tests and private endpoints.',
    },
    analysis_delay: {
      type: 'string',
      format: 'duration',
      expected: 'a duration such as 30s or 2m',
      description:
        "Wait after a rollout before the first `analysis` query. Default: each check's `interval`.",
    },
    analysis_timeout: {
      type: 'string',
      format: 'duration',
      default: '15m',
      expected: 'a duration such as 10m or 1h',
      description:
        "Longest the analysis of one cluster may take, `on_no_data: retry` included. It must leave room for `analysis_delay` and every check's `count` measurements.",
    },
    ...lockSettings,
    on_abandoned: {
      type: 'string',
      enum: ['rollback', 'fail', 'ignore'],
      default: 'rollback',
      description:
        'When the deploy lock shows that an earlier deploy was stopped half way (its process was killed), `rollback` first puts its workloads back on the revisions it recorded before applying, `fail` stops with a message, `ignore` leaves them and goes on.',
    },
    summary_file: {
      type: 'string',
      default: DEFAULT_SUMMARY_FILE,
      description:
        'Where to write the JSON summary (clusters, images, revisions, result, rollback command) that slack-notify reads.',
    },
    verbose: {
      type: 'boolean',
      default: false,
      description: 'Print the variables and the rendered manifests (never the secret template).',
    },
    debug: {
      type: 'boolean',
      default: false,
      description: 'Print debug lines (commands run, timings).',
    },
  },
} satisfies PluginSchema;
