// Kubeconfig files for kubectl, written 0600 into the run's private secret folder. GKE
// clusters authenticate through an exec credential that calls back into the plugin for a
// fresh token, so rollouts longer than a token's hour keep working.
import { stringify } from 'yaml';
import { EXEC_API_VERSION } from './credential-env.ts';

export type KubeUser =
  | { kind: 'exec'; command: string; args: string[]; env: Record<string, string> }
  | { kind: 'token'; token: string };

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
  const user =
    k.user.kind === 'token'
      ? { token: k.user.token }
      : {
          exec: {
            apiVersion: EXEC_API_VERSION,
            command: k.user.command,
            args: k.user.args,
            env: Object.entries(k.user.env).map(([name, value]) => ({ name, value })),
            interactiveMode: 'Never',
            provideClusterInfo: false,
            installHint: 'the gke-deploy and rollback images carry their own credential helper',
          },
        };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: k.context, cluster }],
    users: [{ name: k.context, user }],
    contexts: [{ name: k.context, context: { cluster: k.context, user: k.context, namespace: k.namespace } }],
    'current-context': k.context,
  });
}
