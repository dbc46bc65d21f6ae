// Cluster access shared by gke-deploy and rollback: from the settings to one kubeconfig
// per cluster. GKE clusters come from the Kubernetes Engine API (gke-targets.ts: by their
// public endpoint, internal IP, DNS endpoint or Connect gateway) with a token file kept
// fresh; other clusters from `kubeconfig`, or `kube_server` + token.
import { SettingsError } from '../errors.ts';
import type { GoogleClient, GoogleClientOptions } from '../gcp/auth.ts';
import type { Logger } from '../log.ts';
import type { SecretFiles } from '../secret-file.ts';
import { type AccessSettings, stepNamespace } from './access-settings.ts';
import { type GoogleAccess, gkeTargets } from './gke-targets.ts';
import { readCaCertificate, readKubeconfig, renderKubeconfig } from './kubeconfig.ts';
import type { ClusterTarget } from './target.ts';
import type { TokenRefresher } from './token-file.ts';

export type { AccessSettings, ClusterObject } from './access-settings.ts';
export { stepNamespace } from './access-settings.ts';
export type { GoogleAccess } from './gke-targets.ts';

export interface AccessDeps {
  log: Logger;
  secretFiles: SecretFiles;
  googleClient?: (opts: GoogleClientOptions) => Promise<GoogleClient>;
  now?: () => number;
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
