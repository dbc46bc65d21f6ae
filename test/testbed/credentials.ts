// The testbed's identity and secrets: the project, the service account and workload identity
// pool it pretends to have, the bearer token every apiserver accepts, the CA and the GKE
// endpoints' certificate, and the credential files a plugin is given (a service-account key,
// external_account configs). The CA and the service-account key live outside run/ so they
// stay the same across up/down (a shell that trusts the bundle keeps trusting it).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { type CertFiles, ensureCA, ensureRsaKey, issueCert } from './pki.ts';
import type { TestbedState } from './state.ts';

export const PROJECT = { id: 'testbed-project', number: '123456789012' };
export const SA_EMAIL = `testbed-deployer@${PROJECT.id}.iam.gserviceaccount.com`;
export const AUDIENCE = `//iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/testbed-pool/providers/testbed-provider`;

export interface Secrets {
  ca: CertFiles;
  /** System CA bundle + testbed CA. */
  bundle: string;
  serverCert: CertFiles;
  token: string;
  tokenFile: string;
  subjectToken: string;
  subjectTokenFile: string;
  serviceAccount: { email: string; privateKeyFile: string; publicKeyPem: string; keyId: string };
}

export function writeJson(file: string, value: unknown, mode = 0o644): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode });
}

/** System CA bundle + testbed CA, for NODE_EXTRA_CA_CERTS (read only when node starts). */
function writeCaBundle(caCert: string, bundle: string): void {
  const parts: string[] = [];
  const system = [
    '/etc/ssl/certs/ca-certificates.crt',
    '/etc/pki/tls/certs/ca-bundle.crt',
    '/etc/ssl/cert.pem',
  ].find((f) => existsSync(f));
  parts.push(system ? readFileSync(system, 'utf8') : rootCertificates.join('\n'));
  const extra = process.env['NODE_EXTRA_CA_CERTS'];
  if (extra && extra !== system && extra !== bundle && existsSync(extra))
    parts.push(readFileSync(extra, 'utf8'));
  parts.push(readFileSync(caCert, 'utf8'));
  writeFileSync(bundle, `${parts.map((p) => p.trimEnd()).join('\n')}\n`);
}

/** The CA (kept in `dir`/pki), the bundle, the endpoints' certificate and fresh tokens (in `runDir`). */
export function makeSecrets(dir: string, runDir: string): Secrets {
  const pkiDir = join(dir, 'pki');
  const ca = ensureCA(pkiDir);
  const bundle = join(dir, 'ca-bundle.pem');
  writeCaBundle(ca.cert, bundle);
  const serverCert = issueCert(ca, join(runDir, 'pki'), 'gke-endpoints', {
    cn: 'testbed GKE endpoints',
    sans: ['IP:127.0.0.1', 'DNS:localhost'],
    usage: 'server',
  });
  const saKey = ensureRsaKey(pkiDir, 'service-account');
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(runDir, 'token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const subjectToken = randomBytes(32).toString('base64url');
  const subjectTokenFile = join(runDir, 'subject-token');
  writeFileSync(subjectTokenFile, subjectToken, { mode: 0o600 });
  const publicKeyPem = readFileSync(saKey.publicKey, 'utf8');
  const keyId = createHash('sha1').update(publicKeyPem).digest('hex');
  const serviceAccount = { email: SA_EMAIL, privateKeyFile: saKey.privateKey, publicKeyPem, keyId };
  return { ca, bundle, serverCert, token, tokenFile, subjectToken, subjectTokenFile, serviceAccount };
}

/** A service-account key JSON, as Google issues them, whose tokens come from `gkeUrl`. */
function serviceAccountKey(secrets: Secrets, gkeUrl: string): object {
  const { email, keyId, privateKeyFile } = secrets.serviceAccount;
  return {
    type: 'service_account',
    project_id: PROJECT.id,
    private_key_id: keyId,
    private_key: readFileSync(privateKeyFile, 'utf8'),
    client_email: email,
    client_id: '100000000000000000001',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: `${gkeUrl}/token`,
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
    universe_domain: 'googleapis.com',
  };
}

/** Writes the credential files a plugin is given; `gkeUrl` serves their token exchanges. */
export function writeCredentialFiles(
  runDir: string,
  secrets: Secrets,
  gkeUrl: string,
): TestbedState['credentials'] {
  const credentials = {
    serviceAccountEmail: SA_EMAIL,
    serviceAccountKeyFile: join(runDir, 'service-account.json'),
    externalAccountFile: join(runDir, 'external-account.json'),
    externalAccountImpersonationFile: join(runDir, 'external-account-impersonation.json'),
    subjectTokenFile: secrets.subjectTokenFile,
    audience: AUDIENCE,
  };
  writeJson(credentials.serviceAccountKeyFile, serviceAccountKey(secrets, gkeUrl), 0o600);
  const externalAccount = {
    type: 'external_account',
    audience: AUDIENCE,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${gkeUrl}/v1/token`,
    credential_source: { file: secrets.subjectTokenFile },
    universe_domain: 'googleapis.com',
  };
  writeJson(credentials.externalAccountFile, externalAccount);
  writeJson(credentials.externalAccountImpersonationFile, {
    ...externalAccount,
    service_account_impersonation_url: `${gkeUrl}/v1/projects/-/serviceAccounts/${SA_EMAIL}:generateAccessToken`,
  });
  return credentials;
}
