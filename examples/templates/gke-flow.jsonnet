// A Drone template of examples/.drone.yml's two pipelines, for teams that deploy many
// services the same way: assets -> deploy (judged by its error rate, rolled back on failure)
// -> notify on a tag, and the rollback pipeline. Store it on the Drone server once:
//
//   drone template add --namespace acme --name gke-flow.jsonnet --data @gke-flow.jsonnet
//
// and each repository's .drone.yml is (examples/.drone.template.yml):
//
//   kind: template
//   load: gke-flow.jsonnet
//   data:
//     image: registry.example.com/acme/web
//     clusters: asia-northeast1/web-tokyo,us-central1/web-iowa
//     ...
//
// Drone renders a .jsonnet template with go-jsonnet and hands each `data:` value in as the
// external variable `input.<name>`, as text (a YAML list would arrive as "[a b]"): lists are
// written comma-separated. Every parameter is required (std.extVar has no default):
//
//   image        the service's image, without tag; the tag is the git tag (${DRONE_TAG})
//   clusters     location/name of each cluster, comma-separated
//   namespace    the Kubernetes namespace
//   manifests    the folder of the Kubernetes templates (vars: app, replicas)
//   app          the app name (the manifests' `app` var; the Deployment's name)
//   replicas     pods per cluster
//   site         the folder of the static assets
//   bucket       bucket/prefix they go to
//   channel      the Slack channel
//   max_errors   the share of 5xx answers a release may have (e.g. 0.05)
//   plugins      the plugin images' tag: 0.1 (or 0.1.0; docs/upgrades.md)
//
// Secrets, as for the example: google_credentials, slack_webhook.
local input(name) = std.extVar('input.' + name);
local list(name) = [std.stripChars(s, ' ') for s in std.split(input(name), ',')];
local plugin(name) = 'drone-gke-plugins/' + name + ':' + input('plugins');
local google = { from_secret: 'google_credentials' };
local rate(codes) =
  'sum(rate(http_requests_total{cluster="{{.cluster}}",namespace="{{.namespace}}"' + codes + '}[20s]))';
local notify = {
  name: 'notify',
  image: plugin('slack-notify'),
  settings: { webhook: { from_secret: 'slack_webhook' }, channel: input('channel') },
  when: { status: ['success', 'failure'] },
};

[
  {
    kind: 'pipeline',
    type: 'docker',
    name: 'deploy',
    trigger: { event: ['tag'] },
    steps: [
      {
        name: 'assets',
        image: plugin('gcs-static-sync'),
        settings: {
          token: google,
          source: input('site'),
          target: input('bucket'),
          gzip: ['html', 'css', 'js'],
          cache_control: [
            { '*.html': 'public, max-age=60' },
            { '*.{css,js}': 'public, max-age=31536000, immutable' },
          ],
          delete: true,
          delete_older_than: '168h',
        },
      },
      {
        name: 'deploy',
        image: plugin('gke-deploy'),
        settings: {
          token: google,
          clusters: list('clusters'),
          namespace: input('namespace'),
          create_namespace: true,
          template: input('manifests'),
          vars: { app: input('app'), replicas: std.parseInt(input('replicas')) },
          images: [input('image') + ':${DRONE_TAG}'],
          timeout: '3m',
          analysis_endpoint: 'managed',
          analysis_delay: '20s',
          analysis: [{
            name: 'error-rate',
            query: '(' + rate(',code=~"5.."') + ' or vector(0)) / ' + rate(''),
            max: std.parseJson(input('max_errors')),
            interval: '10s',
            count: 3,
          }],
        },
      },
      notify { settings+: { mentions: ['<!here>'] } },
    ],
  },
  {
    kind: 'pipeline',
    type: 'docker',
    name: 'rollback',
    trigger: { event: ['promote', 'rollback'] },
    steps: [
      {
        name: 'rollback',
        image: plugin('rollback'),
        settings: {
          token: google,
          targets: { production: { clusters: list('clusters'), namespace: input('namespace') } },
          timeout: '3m',
        },
      },
      notify,
    ],
  },
]
