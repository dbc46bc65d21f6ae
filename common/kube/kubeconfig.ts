// Kubeconfig files for kubectl, written 0600 into the run's private secret folder. GKE
// clusters authenticate with a tokenFile that the plugin keeps fresh (token-file.ts). And
// the `kubeconfig` setting read: its current context, server, namespace and credentials.
import { parse, stringify } from 'yaml';

export type KubeUser = { kind: 'tokenFile'; file: string } | { kind: 'token'; token: string };

export interface KubeconfigInput {
  context: string;
  server: string;
  /** PEM; omitted when the server's certificate is signed by a public CA. */
  caPem?: string | undefined;
  namespace: string;
  user: KubeUser;
  /** The kubeconfig's proxy-url: an HTTP(S) or SOCKS5 proxy to the server. */
  proxyUrl?: string | undefined;
}

export function renderKubeconfig(k: KubeconfigInput): string {
  const cluster: Record<string, unknown> = { server: k.server };
  if (k.caPem) cluster['certificate-authority-data'] = Buffer.from(k.caPem).toString('base64');
  if (k.proxyUrl) cluster['proxy-url'] = k.proxyUrl;
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

export interface GivenKubeconfig {
  /** The kubeconfig as YAML (decoded when it was given as base64). */
  text: string;
  context: string;
  server: string;
  /** The current context's own namespace, when it has one. */
  namespace: string | undefined;
  /** The credentials inside, each a secret on its own. */
  secrets: string[];
}

/**
 * The `kubeconfig` setting (YAML, or base64 of it) read as far as the plugins need it. The
 * problems are fixed texts: the value is secret and never quoted.
 */
export function readKubeconfig(
  value: string,
): { ok: true; kubeconfig: GivenKubeconfig } | { ok: false; problem: string } {
  const raw = value.trim();
  const text =
    /^[A-Za-z0-9+/=\s]+$/.test(raw) && !raw.includes(':') ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  let doc: {
    'current-context'?: string;
    contexts?: { name: string; context?: { cluster?: string; namespace?: string } }[];
    clusters?: { name: string; cluster?: { server?: string } }[];
    users?: { user?: Record<string, unknown> }[];
  };
  try {
    doc = parse(text) as typeof doc;
  } catch {
    return {
      ok: false,
      problem: 'is not a kubeconfig (YAML, or base64 of it); the value is secret, so it is not shown',
    };
  }
  const secrets: string[] = [];
  for (const u of doc?.users ?? []) {
    for (const k of ['token', 'password', 'client-key-data', 'client-certificate-data']) {
      const v = u?.user?.[k];
      if (typeof v === 'string') secrets.push(v);
    }
  }
  const context = doc?.['current-context'];
  const ctx = doc?.contexts?.find((c) => c?.name === context);
  const server = doc?.clusters?.find((c) => c?.name === ctx?.context?.cluster)?.cluster?.server;
  if (!context || !ctx || !server) {
    return {
      ok: false,
      problem: 'has no current-context with a cluster and server: set current-context in the kubeconfig',
    };
  }
  const namespace = ctx.context?.namespace;
  return {
    ok: true,
    kubeconfig: {
      text,
      context,
      server,
      namespace: typeof namespace === 'string' ? namespace : undefined,
      secrets,
    },
  };
}

/** The `kube_ca` setting: a PEM certificate, or base64 of one. */
export function readCaCertificate(value: string): { ok: true; pem: string } | { ok: false; problem: string } {
  const t = value.trim();
  const pem = t.startsWith('-----BEGIN') ? t : Buffer.from(t, 'base64').toString('utf8');
  return pem.includes('-----BEGIN CERTIFICATE-----')
    ? { ok: true, pem }
    : {
        ok: false,
        problem: 'is not a PEM certificate (or base64 of one): expected -----BEGIN CERTIFICATE-----',
      };
}
