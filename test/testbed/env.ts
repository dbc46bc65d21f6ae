// `env`: the running testbed as environment variables, and as shell `export` lines.
import type { TestbedState } from './state.ts';

export function envVars(state: TestbedState): Record<string, string> {
  return {
    TESTBED_STATE: state.stateFile,
    KUBECONFIG: state.kubeconfig,
    NODE_EXTRA_CA_CERTS: state.ca.bundle,
    TESTBED_CA_CERT: state.ca.cert,
    TESTBED_CA_BUNDLE: state.ca.bundle,
    TESTBED_TOKEN_FILE: state.tokenFile,
    TESTBED_PROJECT: state.project.id,
    TESTBED_CLUSTERS: state.clusters.map((c) => `${c.location}/${c.name}`).join(','),
    TESTBED_GKE_API: state.gke.apiEndpoint,
    TESTBED_OAUTH_TOKEN_URL: state.gke.tokenUrl,
    TESTBED_STS_URL: state.gke.stsUrl,
    TESTBED_SA_KEY_FILE: state.credentials.serviceAccountKeyFile,
    TESTBED_EXTERNAL_ACCOUNT_FILE: state.credentials.externalAccountFile,
    TESTBED_GCS_ENDPOINT: state.gcs.url,
    TESTBED_GCS_PROXY_ENDPOINT: state.gcs.proxyUrl,
    TESTBED_SLACK_WEBHOOK_URL: state.slack.webhookUrl,
    TESTBED_PROMETHEUS_URL: state.prometheus.url,
    TESTBED_MANAGED_PROMETHEUS_URL: state.prometheus.managedUrl,
    TESTBED_SERVICE_METRICS_URL: state.prometheus.serviceMetricsUrl,
  };
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** `export NAME=value` lines, quoted for a POSIX shell. */
export function exportLines(state: TestbedState): string[] {
  return Object.entries(envVars(state)).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
}
