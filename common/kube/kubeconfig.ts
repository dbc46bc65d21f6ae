// Kubeconfig files for kubectl, written 0600 into the run's private secret folder. GKE
// clusters authenticate with a tokenFile that the plugin keeps fresh (token-file.ts).
import { stringify } from 'yaml';

export type KubeUser = { kind: 'tokenFile'; file: string } | { kind: 'token'; token: string };

export interface KubeconfigInput {
  context: string;
  server: string;
  /** PEM; omitted when the server's certificate is signed by a public CA. */
  caPem?: string | undefined;
  namespace: string;
  user: KubeUser;
}

export function renderKubeconfig(k: KubeconfigInput): string {
  const cluster: Record<string, unknown> = { server: k.server };
  if (k.caPem) cluster['certificate-authority-data'] = Buffer.from(k.caPem).toString('base64');
  const user = k.user.kind === 'token' ? { token: k.user.token } : { tokenFile: k.user.file };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: k.context, cluster }],
    users: [{ name: k.context, user }],
    contexts: [{ name: k.context, context: { cluster: k.context, user: k.context, namespace: k.namespace } }],
    'current-context': k.context,
  });
}
