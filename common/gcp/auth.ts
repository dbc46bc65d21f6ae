// Access tokens from google-auth-library: explicit credentials, or Application Default
// Credentials (GOOGLE_APPLICATION_CREDENTIALS, workload identity, the metadata server).
// The library is imported only when a token is needed, so --help stays fast.
import type { Agent } from 'node:https';
import { HttpError } from '../errors.ts';
import type { GoogleCredentials } from './credentials.ts';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** Where google-auth-library sends service-account (JWT) grants; it has no option to change it. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export interface AccessToken {
  token: string;
  /** Epoch milliseconds, when known. */
  expiresAt: number | undefined;
}

export interface GoogleClient {
  getAccessToken(): Promise<AccessToken>;
  /** The project of the credentials (or of the environment, for ADC), when known. */
  projectId(): Promise<string | undefined>;
  /** An authorised JSON request; non-2xx answers resolve with their status. */
  request<T>(req: { url: string; method?: string; body?: unknown }): Promise<{ status: number; data: T }>;
}

export interface GoogleClientOptions {
  credentials?: GoogleCredentials | undefined;
  /** Replaces Google's OAuth token endpoint (the `token_url` setting; for tests and private endpoints). */
  tokenUrl?: string | undefined;
  scopes?: string[];
  /**
   * A credentials file for Application Default Credentials, when the plugin's environment is
   * not process.env (GOOGLE_APPLICATION_CREDENTIALS as the plugin was given it).
   */
  keyFile?: string | undefined;
  /** HTTPS agent for token and API requests (in-process tests trust the testbed's CA with it). */
  agent?: Agent | undefined;
}

interface Interceptable {
  transporter?: {
    interceptors?: {
      request?: { add(i: { resolved?: (o: { url?: string | URL }) => Promise<unknown> }): void };
    };
  };
}

/**
 * google-auth-library posts JWT grants to a fixed URL; a request interceptor on the
 * client's transporter sends them to `tokenUrl` instead. external_account configs carry
 * their own token_url and need nothing.
 */
function redirectTokenRequests(client: unknown, tokenUrl: string): void {
  const interceptors = (client as Interceptable).transporter?.interceptors?.request;
  if (!interceptors) throw new Error('this google-auth-library version cannot redirect token requests');
  interceptors.add({
    resolved: async (opts) => {
      if (opts.url !== undefined && String(opts.url) === GOOGLE_TOKEN_URL) opts.url = new URL(tokenUrl);
      return opts;
    },
  });
}

function describeAuthError(err: unknown): string {
  const e = err as { message?: string; response?: { status?: number; data?: unknown } };
  const data = e.response?.data as { error?: unknown; error_description?: unknown } | undefined;
  const detail =
    typeof data?.error_description === 'string' ? data.error_description : (e.message ?? String(err));
  return detail;
}

export async function createGoogleClient(opts: GoogleClientOptions): Promise<GoogleClient> {
  // A CommonJS package imported from an ESM bundle: its exports may sit under `default`.
  const mod = (await import('google-auth-library')) as typeof import('google-auth-library') & {
    default?: typeof import('google-auth-library');
  };
  const GoogleAuth = mod.GoogleAuth ?? mod.default?.GoogleAuth;
  const scopes = opts.scopes ?? [CLOUD_PLATFORM_SCOPE];
  const auth = new GoogleAuth({
    scopes,
    ...(opts.credentials
      ? { credentials: opts.credentials.json as never }
      : opts.keyFile
        ? { keyFile: opts.keyFile }
        : {}),
    ...(opts.agent ? { clientOptions: { transporterOptions: { agent: opts.agent } } } : {}),
  });
  let client: Awaited<ReturnType<typeof auth.getClient>>;
  try {
    client = await auth.getClient();
  } catch (err) {
    throw new HttpError(
      `no Google credentials: set "token" (a service-account JSON key or workload identity config) or provide Application Default Credentials (${describeAuthError(err)})`,
      undefined,
      { cause: err },
    );
  }
  if (opts.tokenUrl) redirectTokenRequests(client, opts.tokenUrl);
  return {
    async getAccessToken() {
      try {
        const r = await client.getAccessToken();
        if (!r.token) throw new Error('the token endpoint returned no access token');
        const expiry = (client as { credentials?: { expiry_date?: number | null } }).credentials?.expiry_date;
        return { token: r.token, expiresAt: typeof expiry === 'number' ? expiry : undefined };
      } catch (err) {
        const who = opts.credentials ? opts.credentials.principal : 'Application Default Credentials';
        throw new HttpError(
          `could not get a Google access token for ${who}: ${describeAuthError(err)}. Check that the key is current (not deleted or disabled) and that "token_url" is right if you set it`,
          (err as { response?: { status?: number } }).response?.status,
          { cause: err },
        );
      }
    },
    async projectId() {
      if (opts.credentials?.projectId) return opts.credentials.projectId;
      try {
        return (await auth.getProjectId()) ?? undefined;
      } catch {
        return undefined;
      }
    },
    async request<T>(req: { url: string; method?: string; body?: unknown }) {
      const r = await client.request<T>({
        url: req.url,
        method: (req.method ?? 'GET') as 'GET',
        data: req.body,
        validateStatus: () => true,
        retry: true,
      });
      return { status: r.status, data: r.data };
    },
  };
}
