// GKE clusters reached: the credentials turned into a token (kept fresh in a file), every
// cluster read from the Kubernetes Engine API, then each one's way in settled (its public
// endpoint, internal IP, DNS endpoint or Connect gateway; a proxy) and its kubeconfig
// written. A way a cluster does not offer stops the step here, before any cluster is touched.
import { ClusterFailuresError, PluginError, type SettingIssue, SettingsError } from '../errors.ts';
import { createGoogleClient, type GoogleClient } from '../gcp/auth.ts';
import { parseCredentials } from '../gcp/credentials.ts';
import { GKE_API, type GkeCluster, getGkeCluster } from '../gcp/gke-api.ts';
import type { AccessDeps } from './access.ts';
import { type ClusterWay, maskProxyCredentials, wayOf } from './access-mode.ts';
import { type AccessSettings, namespaceOf, stepNamespace } from './access-settings.ts';
import { endpointFor } from './gke-endpoint.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { settleAll } from './settle.ts';
import type { ClusterTarget } from './target.ts';
import { startTokenRefresh, type TokenRefresher } from './token-file.ts';

interface GkeRef {
  name: string;
  location: string;
  project: string | undefined;
  namespace: string | undefined;
  way: ClusterWay;
}

function gkeRefs(s: AccessSettings): GkeRef[] {
  if (s.cluster) {
    const location = (s.location ?? s.region ?? s.zone) as string;
    return [{ name: s.cluster, location, project: undefined, namespace: undefined, way: wayOf({}, s, '') }];
  }
  return (s.clusters ?? []).map((c) => {
    if (typeof c === 'string') {
      const [location = '', name = ''] = c.split('/');
      return { name, location, project: undefined, namespace: undefined, way: wayOf({}, s, '') };
    }
    const { name = '', location = '', project, namespace } = c;
    return { name, location, project, namespace, way: wayOf(c, s, 'clusters') };
  });
}

/** The Google client the GKE clusters were reached with, for other Google APIs of the run. */
export interface GoogleAccess {
  client: GoogleClient;
  /** The step's project: `project`, else the credentials'. */
  project: string | undefined;
}

interface Reached {
  ref: GkeRef;
  project: string;
  cluster: GkeCluster;
}

/** Every cluster's resource from the Kubernetes Engine API; one error names each that failed. */
async function readClusters(
  refs: readonly GkeRef[],
  client: GoogleClient,
  project: string,
  endpoint: string,
): Promise<Reached[]> {
  const read = async (ref: GkeRef): Promise<Reached> => {
    const p = ref.project ?? project;
    const cluster = await getGkeCluster(
      client,
      { project: p, location: ref.location, name: ref.name },
      endpoint,
    );
    return { ref, project: p, cluster };
  };
  try {
    return await settleAll(refs, (ref) => `${ref.location}/${ref.name}`, read);
  } catch (err) {
    if (!(err instanceof ClusterFailuresError)) throw err;
    throw new PluginError(
      `could not get access to ${err.failures.length} of ${refs.length} clusters:\n${err.message}`,
    );
  }
}

/** One cluster's kubeconfig, by its way in; a problem when the cluster does not offer it. */
function targetOf(
  r: Reached,
  s: AccessSettings,
  source: (k: string) => string,
  deps: AccessDeps,
  tokenFile: string,
): ClusterTarget | SettingIssue {
  const { ref, project } = r;
  const id = `${ref.location}/${ref.name}`;
  const found = endpointFor(r.cluster, ref.way, id, s.connect_gateway_endpoint);
  if (!found.ok)
    return { setting: ref.way.setting, variable: source(ref.way.setting), problem: found.problem };
  const { server, caPem, access } = found.endpoint;
  if (access.mode === 'dns_endpoint' && r.cluster.dnsEndpoint?.allowExternalTraffic === false) {
    deps.log.warn(
      `${id}: its DNS endpoint allows no traffic from outside Google Cloud; this step must run inside it`,
    );
  }
  const context = `gke_${project}_${ref.location}_${ref.name}`;
  const namespace =
    ref.namespace !== undefined
      ? namespaceOf(ref.namespace, 'clusters', source('clusters'))
      : stepNamespace(s, source);
  const user = { kind: 'tokenFile' as const, file: tokenFile };
  const kubeconfig = renderKubeconfig({
    context,
    server,
    caPem,
    namespace,
    user,
    proxyUrl: ref.way.proxyUrl,
  });
  const file = deps.secretFiles.write(`kubeconfig-${context}`, kubeconfig);
  const via = access.mode === 'public' ? '' : ` through its ${access.mode.replace('_', ' ')}`;
  deps.log.info(`${id}: ${server}${via}${access.proxy ? ` via proxy ${access.proxy}` : ''}`);
  return {
    id,
    name: ref.name,
    location: ref.location,
    project,
    namespace,
    kubeconfig: file,
    context,
    server,
    access,
  };
}

/** Every GKE cluster the settings name, each with a kubeconfig; throws before any is touched. */
export async function gkeTargets(
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
  maskProxyCredentials(
    refs.map((r) => r.way.proxyUrl),
    log.masker,
  );
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
  const reached = await readClusters(refs, client, project as string, s.gke_endpoint ?? GKE_API);
  const results = reached.map((r) => targetOf(r, s, source, deps, tokenFile));
  const issues = results.filter((t): t is SettingIssue => 'problem' in t);
  if (issues.length > 0) throw new SettingsError(issues);
  return { targets: results as ClusterTarget[], google: { client, project } };
}
