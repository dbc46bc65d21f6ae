// Access tokens for the Compute API (CDN invalidation), from google-auth-library: the
// `token` credentials, else Application Default Credentials. `token_url` replaces Google's
// OAuth token endpoint: google-auth-library 10 hard-codes https://oauth2.googleapis.com/token
// for service-account grants, so a request interceptor on the client's transporter sends
// those requests to the override. (Cloud Storage requests authenticate through
// @google-cloud/storage's own copy of google-auth-library; see storage.ts.)
import type { Agent } from 'node:https';
import { GoogleAuth } from 'google-auth-library';
import type { CredentialsJson } from './credentials.ts';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export interface TokenSourceOptions {
  credentials?: CredentialsJson | undefined;
  /** A credentials file (GOOGLE_APPLICATION_CREDENTIALS from the plugin's environment). */
  keyFile?: string | undefined;
  tokenUrl?: string | undefined;
  /** HTTPS agent for token requests (tests trust the testbed's CA through it). */
  agent?: Agent | undefined;
}

export interface TokenSource {
  accessToken(): Promise<string>;
  /** The credentials' project, when they name one. */
  projectId(): Promise<string | undefined>;
}

interface WithTransporter {
  transporter: {
    interceptors: {
      request: {
        add(i: { resolved?: (o: { url?: string | URL }) => Promise<{ url?: string | URL }> }): void;
      };
    };
  };
}

export function createTokenSource(opts: TokenSourceOptions): TokenSource {
  const auth = new GoogleAuth({
    scopes: [CLOUD_PLATFORM],
    ...(opts.credentials ? { credentials: opts.credentials as never } : {}),
    ...(!opts.credentials && opts.keyFile ? { keyFile: opts.keyFile } : {}),
    ...(opts.agent ? { clientOptions: { transporterOptions: { agent: opts.agent } } } : {}),
  });
  let client: Promise<unknown> | undefined;
  const getClient = () => {
    client ??= auth.getClient().then((c) => {
      const tokenUrl = opts.tokenUrl;
      if (tokenUrl) {
        (c as unknown as WithTransporter).transporter.interceptors.request.add({
          resolved: async (o) => {
            if (o.url !== undefined && String(o.url) === GOOGLE_TOKEN_URL) o.url = new URL(tokenUrl);
            return o;
          },
        });
      }
      return c;
    });
    return client as Promise<{ getAccessToken(): Promise<{ token?: string | null }> }>;
  };
  return {
    async accessToken() {
      const { token } = await (await getClient()).getAccessToken();
      if (!token) throw new Error('google-auth-library returned no access token');
      return token;
    },
    async projectId() {
      if (opts.credentials) return opts.credentials.project_id ?? opts.credentials.quota_project_id;
      try {
        return (await auth.getProjectId()) ?? undefined;
      } catch {
        return undefined;
      }
    },
  };
}
