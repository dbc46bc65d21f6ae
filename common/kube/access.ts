// Cluster access shared by gke-deploy and rollback: from the settings to one kubeconfig
// per cluster. GKE clusters come from the Kubernetes Engine API (clusters.get: endpoint and
// CA) with a token file kept fresh; other clusters from `kubeconfig`, or `kube_server` + token.
import { ClusterFailuresError, PluginError, SettingsError } from '../errors.ts';
import { createGoogleClient, type GoogleClient, type GoogleClientOptions } from '../gcp/auth.ts';
import { parseCredentials } from '../gcp/credentials.ts';
import { GKE_API, getGkeCluster } from '../gcp/gke-api.ts';
import type { Logger } from '../log.ts';
import type { SecretFiles } from '../secret-file.ts';
import { readCaCertificate, readKubeconfig, renderKubeconfig } from './kubeconfig.ts';
import { settleAll } from './settle.ts';
import { type ClusterTarget, mapNamespace } from './target.ts';
import { startTokenRefresh, type TokenRefresher } from './token-file.ts';

export interface ClusterObject {
  name?: string;
  location?: string;
  project?: string;
  namespace?: string;
}

export interface AccessSettings {
  token?: string;
  project?: string;
  cluster?: string;
  zone?: string;
  region?: string;
  location?: string;
  clusters?: (string | ClusterObject)[];
  namespace?: string;
  kubeconfig?: string;
  kube_server?: string;
  kube_token?: string;
  kube_ca?: string;
  gke_endpoint?: string;
  token_url?: string;
}

export interface AccessDeps {
  log: Logger;
  secretFiles: SecretFiles;
  googleClient?: (opts: GoogleClientOptions) => Promise<GoogleClient>;
  now?: () => number;
}

interface GkeRef {
  name: string;
  location: string;
  project: string | undefined;
  namespace: string | undefined;
}

function gkeRefs(s: AccessSettings): GkeRef[] {
  if (s.cluster) {
    const location = (s.location ?? s.region ?? s.zone) as string;
    return [{ name: s.cluster, location, project: undefined, namespace: undefined }];
  }
  return (s.clusters ?? []).map((c) => {
    if (typeof c === 'string') {
      const [location = '', name = ''] = c.split('/');
      return { name, location, project: undefined, namespace: undefined };
    }
    return { name: c.name ?? '', location: c.location ?? '', project: c.project, namespace: c.namespace };
  });
}

/**
 * The namespace of the step: `namespace` when it is set; otherwise, with `kubeconfig`, the
 * namespace of its current context; otherwise `default`. (A `clusters` entry's own
 * namespace wins over all of these, for that cluster.)
 */
export function stepNamespace(s: AccessSettings, source: (k: string) => string): string {
  if (s.namespace !== undefined) return namespaceOf(s.namespace, 'namespace', source('namespace'));
  const read = s.kubeconfig !== undefined ? readKubeconfig(s.kubeconfig) : undefined;
  const own = read?.ok ? read.kubeconfig.namespace : undefined;
  return own !== undefined ? namespaceOf(own, 'kubeconfig', source('kubeconfig')) : 'default';
}

/**
 * A namespace setting as the clusters get it. The settings checks have refused one that is
 * not valid (checkNamespaces), so this throws only when a caller skipped them.
 */
function namespaceOf(given: string, setting: string, variable: string): string {
  const mapped = mapNamespace(given);
  if (!mapped.ok) throw new SettingsError([{ setting, variable, problem: mapped.problem }]);
  return mapped.namespace;
}

/** The Google client the GKE clusters were reached with, for other Google APIs of the run. */
export interface GoogleAccess {
  client: GoogleClient;
  /** The step's project: `project`, else the credentials'. */
  project: string | undefined;
}

async function gkeTargets(
  s: AccessSettings,
  source: (k: string) => string,
  deps: AccessDeps,
  refreshers: TokenRefresher[],
): Promise<{ targets: ClusterTarget[]; google: GoogleAccess }> {
  const { log, secretFiles } = deps;
  const credentials = s.token ? parseCredentials(s.token, log.masker, 'token', source('token')) : undefined;
  const client = await (deps.googleClient ?? createGoogleClient)({ credentials, tokenUrl: s.token_url });
  const token = await client.getAccessToken();
  log.masker.add(token.token);
  const project = s.project ?? (await client.projectId());
  const refs = gkeRefs(s);
  if (!project && refs.some((r) => !r.project)) {
    throw new SettingsError([
      {
        setting: 'project',
        variable: source('project'),
        problem:
          'is needed: the credentials do not name a project. Set "project" (or "project" on each of "clusters")',
      },
    ]);
  }
  log.info(`authenticated as ${credentials?.principal ?? 'Application Default Credentials'}`);
  const tokenFile = secretFiles.write('gke-token', '');
  refreshers.push(
    startTokenRefresh({ file: tokenFile, first: token, getToken: () => client.getAccessToken(), log }),
  );
  const endpoint = s.gke_endpoint ?? GKE_API;

  const reach = (ref: GkeRef) =>
    gkeTarget(
      ref,
      { client, endpoint, tokenFile, project: ref.project ?? (project as string) },
      s,
      source,
      deps,
    );
  try {
    const targets = await settleAll(refs, (ref) => `${ref.location}/${ref.name}`, reach);
    return { targets, google: { client, project } };
  } catch (err) {
    if (!(err instanceof ClusterFailuresError)) throw err;
    throw new PluginError(
      `could not get access to ${err.failures.length} of ${refs.length} clusters:\n${err.message}`,
    );
  }
}

interface GkeAccess {
  client: GoogleClient;
  endpoint: string;
  tokenFile: string;
  project: string;
}

/** One GKE cluster: its endpoint from the GKE API, and a kubeconfig that reads the shared token file. */
async function gkeTarget(
  ref: GkeRef,
  a: GkeAccess,
  s: AccessSettings,
  source: (k: string) => string,
  deps: AccessDeps,
): Promise<ClusterTarget> {
  const p = a.project;
  const cluster = await getGkeCluster(
    a.client,
    { project: p, location: ref.location, name: ref.name },
    a.endpoint,
  );
  const context = `gke_${p}_${ref.location}_${ref.name}`;
  const namespace =
    ref.namespace !== undefined
      ? namespaceOf(ref.namespace, 'clusters', source('clusters'))
      : stepNamespace(s, source);
  const file = deps.secretFiles.write(
    `kubeconfig-${context}`,
    renderKubeconfig({
      context,
      server: cluster.server,
      caPem: cluster.caPem,
      namespace,
      user: { kind: 'tokenFile', file: a.tokenFile },
    }),
  );
  return {
    id: `${ref.location}/${ref.name}`,
    name: ref.name,
    location: ref.location,
    project: p,
    namespace,
    kubeconfig: file,
    context,
    server: cluster.server,
  };
}

function kubeconfigTarget(s: AccessSettings, source: (k: string) => string, deps: AccessDeps): ClusterTarget {
  const read = readKubeconfig(s.kubeconfig as string);
  if (!read.ok) {
    throw new SettingsError([
      { setting: 'kubeconfig', variable: source('kubeconfig'), problem: read.problem },
    ]);
  }
  const { text, context, server, secrets } = read.kubeconfig;
  // The decoded text, and the credentials inside on their own, wherever they might be printed.
  deps.log.masker.add(text);
  for (const secret of secrets) deps.log.masker.add(secret);
  return {
    id: context,
    name: context,
    namespace: stepNamespace(s, source),
    kubeconfig: deps.secretFiles.write('kubeconfig', text),
    context,
    server,
  };
}

function serverTarget(s: AccessSettings, source: (k: string) => string, deps: AccessDeps): ClusterTarget {
  const server = s.kube_server as string;
  const ca = s.kube_ca !== undefined ? readCaCertificate(s.kube_ca) : undefined;
  if (ca && !ca.ok) {
    throw new SettingsError([{ setting: 'kube_ca', variable: source('kube_ca'), problem: ca.problem }]);
  }
  const context = new URL(server).host;
  const namespace = stepNamespace(s, source);
  const file = deps.secretFiles.write(
    'kubeconfig',
    renderKubeconfig({
      context,
      server,
      caPem: ca?.ok ? ca.pem : undefined,
      namespace,
      user: { kind: 'token', token: s.kube_token as string },
    }),
  );
  return { id: context, name: context, namespace, kubeconfig: file, context, server };
}

export interface ClusterAccess {
  targets: ClusterTarget[];
  /** GKE clusters only: the client and project they were reached with. */
  google?: GoogleAccess;
  /** Stops refreshing GKE tokens; call when the run is over. */
  close(): void;
}

/** The clusters the settings name, each with a kubeconfig; throws before any cluster is touched if one is unreachable. */
export async function resolveClusters(
  s: AccessSettings,
  source: (setting: string) => string,
  deps: AccessDeps,
): Promise<ClusterAccess> {
  const refreshers: TokenRefresher[] = [];
  const close = () => {
    for (const r of refreshers) r.stop();
  };
  if (s.kubeconfig) return { targets: [kubeconfigTarget(s, source, deps)], close };
  if (s.kube_server) return { targets: [serverTarget(s, source, deps)], close };
  try {
    return { ...(await gkeTargets(s, source, deps, refreshers)), close };
  } catch (err) {
    close();
    throw err;
  }
}
