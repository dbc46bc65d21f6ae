// The files one cluster's control plane reads: certificates signed by the testbed CA, the
// service-account signing key, a kubeconfig per client, and the static token file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeKubeconfig } from '../kubeconfig.ts';
import type { CertFiles } from '../pki.ts';
import { ensureRsaKey, issueCert, readPem } from '../pki.ts';

/** The user name the static token authenticates as. */
export const TOKEN_USER = 'gke-deployer';

export interface ClusterFiles {
  caPem: string;
  apiCert: CertFiles;
  admin: CertFiles;
  kcm: CertFiles;
  sched: CertFiles;
  frontProxy: CertFiles;
  sa: { privateKey: string; publicKey: string };
  adminKubeconfig: string;
  kcmKubeconfig: string;
  schedKubeconfig: string;
  tokenFile: string;
  pki: string;
}

function issueClusterCerts(ca: CertFiles, pki: string) {
  const loopback = ['IP:127.0.0.1', 'DNS:localhost'];
  return {
    apiCert: issueCert(ca, pki, 'kube-apiserver', {
      cn: 'kube-apiserver',
      sans: [
        ...loopback,
        'IP:10.96.0.1',
        'DNS:kubernetes',
        'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc',
      ],
      usage: 'server',
    }),
    admin: issueCert(ca, pki, 'admin', { cn: 'admin', orgs: ['system:masters'], usage: 'client' }),
    kcm: issueCert(ca, pki, 'kube-controller-manager', {
      cn: 'system:kube-controller-manager',
      sans: loopback,
      usage: 'both',
    }),
    sched: issueCert(ca, pki, 'kube-scheduler', {
      cn: 'system:kube-scheduler',
      sans: loopback,
      usage: 'both',
    }),
    frontProxy: issueCert(ca, pki, 'front-proxy-client', { cn: 'front-proxy-client', usage: 'client' }),
    sa: ensureRsaKey(pki, 'service-account'),
  };
}

/** Writes everything under `dir` (pki/, kubeconfig/) for the cluster `name` served at `server`. */
export function writeClusterFiles(
  dir: string,
  name: string,
  server: string,
  ca: CertFiles,
  token: string,
): ClusterFiles {
  const pki = join(dir, 'pki');
  const kcDir = join(dir, 'kubeconfig');
  const caPem = readPem(ca.cert);
  const certs = issueClusterCerts(ca, pki);
  const adminKubeconfig = join(kcDir, 'admin.kubeconfig');
  const kcmKubeconfig = join(kcDir, 'kube-controller-manager.kubeconfig');
  const schedKubeconfig = join(kcDir, 'kube-scheduler.kubeconfig');
  writeKubeconfig(adminKubeconfig, name, server, caPem, { cert: certs.admin });
  writeKubeconfig(kcmKubeconfig, name, server, caPem, { cert: certs.kcm });
  writeKubeconfig(schedKubeconfig, name, server, caPem, { cert: certs.sched });
  const tokenFile = join(pki, 'tokens.csv');
  writeFileSync(tokenFile, `${token},${TOKEN_USER},${TOKEN_USER},"system:masters"\n`, { mode: 0o600 });
  return { caPem, ...certs, adminKubeconfig, kcmKubeconfig, schedKubeconfig, tokenFile, pki };
}
