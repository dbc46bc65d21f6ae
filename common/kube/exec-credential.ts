// `<plugin> --exec-credential`: what kubectl runs to authenticate to a GKE cluster. It
// answers from the token cache the plugin wrote while the token has more than five minutes
// left, else gets a fresh token with google-auth-library (from the credentials file, or
// Application Default Credentials) and updates the cache. Prints an ExecCredential.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Env } from '../settings.ts';
import { ENV_CREDENTIALS_FILE, ENV_TOKEN_CACHE, ENV_TOKEN_URL, EXEC_API_VERSION } from './credential-env.ts';

const MARGIN_MS = 5 * 60_000;

export interface CachedToken {
  token: string;
  expiresAt: number | undefined;
}

export function writeTokenCache(file: string, t: CachedToken): void {
  writeFileSync(file, JSON.stringify(t), { mode: 0o600 });
}

function readTokenCache(file: string | undefined, now: number): CachedToken | undefined {
  if (!file) return undefined;
  try {
    const t = JSON.parse(readFileSync(file, 'utf8')) as CachedToken;
    if (typeof t.token === 'string' && (t.expiresAt === undefined || t.expiresAt - now > MARGIN_MS)) return t;
  } catch {
    // no cache yet, or unreadable: get a fresh token
  }
  return undefined;
}

export function execCredential(t: CachedToken): string {
  const status: Record<string, string> = { token: t.token };
  if (t.expiresAt !== undefined) status.expirationTimestamp = new Date(t.expiresAt).toISOString();
  return JSON.stringify({ apiVersion: EXEC_API_VERSION, kind: 'ExecCredential', status });
}

/** Resolves to the ExecCredential JSON to print. */
export async function runExecCredential(env: Env, now = Date.now()): Promise<string> {
  const cacheFile = env[ENV_TOKEN_CACHE];
  const cached = readTokenCache(cacheFile, now);
  if (cached) return execCredential(cached);
  const [{ createGoogleClient }, { parseCredentials }, { Masker }] = await Promise.all([
    import('../gcp/auth.ts'),
    import('../gcp/credentials.ts'),
    import('../mask.ts'),
  ]);
  const credFile = env[ENV_CREDENTIALS_FILE];
  const credentials = credFile ? parseCredentials(readFileSync(credFile, 'utf8'), new Masker()) : undefined;
  const client = await createGoogleClient({ credentials, tokenUrl: env[ENV_TOKEN_URL] });
  const fresh = await client.getAccessToken();
  if (cacheFile) writeTokenCache(cacheFile, fresh);
  return execCredential(fresh);
}
