// Kubeconfig files the testbed writes, credentials embedded so a file can be copied anywhere:
// one per cluster and user (kube/cluster.ts, test helpers), and the combined one of a running
// testbed with one context per cluster.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { CertFiles } from './pki.ts';
import { readPem } from './pki.ts';
import type { TestbedState } from './state.ts';

interface KubeconfigUser {
  cert?: CertFiles;
  token?: string;
}

/** Writes a kubeconfig with everything embedded, so the file can be copied anywhere. */
export function writeKubeconfig(
  file: string,
  name: string,
  server: string,
  caPem: string,
  user: KubeconfigUser,
): void {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const creds: string[] = [];
  if (user.cert) {
    creds.push(`    client-certificate-data: ${b64(readPem(user.cert.cert))}`);
    creds.push(`    client-key-data: ${b64(readPem(user.cert.key))}`);
  }
  if (user.token !== undefined) creds.push(`    token: ${JSON.stringify(user.token)}`);
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caPem)}`,
    'users:',
    `- name: ${name}`,
    '  user:',
    ...creds,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    '    namespace: default',
    `current-context: ${name}`,
    '',
  ].join('\n');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text, { mode: 0o600 });
}

/** The combined kubeconfig of a testbed: a context per cluster (`state.clusters`), the first current. */
export function writeCombinedKubeconfig(state: TestbedState, caPems: readonly string[]): void {
  const named = state.clusters.map((c, i) => ({ c, name: c.context, caPem: caPems[i] ?? '' }));
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: named.map(({ c, name, caPem }) => ({
      name,
      cluster: { server: c.server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
    })),
    users: named.map(({ name }) => ({ name, user: { token: state.token } })),
    contexts: named.map(({ name }) => ({ name, context: { cluster: name, user: name } })),
    'current-context': state.clusters[0]?.context ?? '',
  };
  writeFileSync(state.kubeconfig, toYaml(doc), { mode: 0o600 });
}
