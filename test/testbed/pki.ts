// A small PKI for the testbed, made with the openssl command: one CA per testbed, and
// server or client certificates signed by it. Files are written with mode 0600.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertFiles {
  cert: string;
  key: string;
}

function openssl(args: readonly string[]): void {
  try {
    execFileSync('openssl', [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed (is openssl installed?): ${stderr.trim()}`);
  }
}

/** Creates `<dir>/ca.crt` and `<dir>/ca.key` unless they exist. */
export function ensureCA(dir: string, cn = 'drone-gke-plugins testbed CA'): CertFiles {
  mkdirSync(dir, { recursive: true });
  const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  if (existsSync(ca.cert) && existsSync(ca.key)) return ca;
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', ca.key]);
  chmodSync(ca.key, 0o600);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    ca.key,
    '-sha256',
    '-days',
    '3650',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    ca.cert,
  ]);
  return ca;
}

export interface IssueOptions {
  /** Common name; for client certificates Kubernetes reads it as the user name. */
  cn: string;
  /** Organisations; Kubernetes reads them as groups (e.g. system:masters). */
  orgs?: readonly string[];
  /** Subject alternative names, e.g. ['IP:127.0.0.1', 'DNS:localhost']; empty for client certs. */
  sans?: readonly string[];
  usage: 'server' | 'client' | 'both';
}

/** Issues `<dir>/<name>.crt` and `<dir>/<name>.key` signed by `ca` (reuses existing files). */
export function issueCert(ca: CertFiles, dir: string, name: string, opts: IssueOptions): CertFiles {
  mkdirSync(dir, { recursive: true });
  const out = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  if (existsSync(out.cert) && existsSync(out.key)) return out;
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  const subj = `/CN=${opts.cn}${(opts.orgs ?? []).map((o) => `/O=${o}`).join('')}`;
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', out.key]);
  chmodSync(out.key, 0o600);
  openssl(['req', '-new', '-key', out.key, '-subj', subj, '-out', csr]);
  const eku = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' }[opts.usage];
  const lines = [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${eku}`,
  ];
  if (opts.sans && opts.sans.length > 0) lines.push(`subjectAltName=${opts.sans.join(',')}`);
  writeFileSync(ext, `${lines.join('\n')}\n`);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    '3650',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    out.cert,
  ]);
  return out;
}

/** An RSA key pair for signing (service-account tokens, fake GCP service-account keys). */
export function ensureRsaKey(dir: string, name: string): { privateKey: string; publicKey: string } {
  mkdirSync(dir, { recursive: true });
  const privateKey = join(dir, `${name}.key`);
  const publicKey = join(dir, `${name}.pub`);
  if (!existsSync(privateKey)) {
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', privateKey]);
    chmodSync(privateKey, 0o600);
  }
  if (!existsSync(publicKey)) openssl(['pkey', '-in', privateKey, '-pubout', '-out', publicKey]);
  return { privateKey, publicKey };
}

export function readPem(file: string): string {
  return readFileSync(file, 'utf8');
}
