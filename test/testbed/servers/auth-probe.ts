// Gets a Google access token with the real google-auth-library from a credentials file, the
// way a plugin process does, then (optionally) GETs a URL with it. Run it with
// NODE_EXTRA_CA_CERTS=<testbed CA bundle> so the testbed's HTTPS endpoints are trusted:
//
//   node --import tsx test/testbed/servers/auth-probe.ts <credentials.json> <token-url|-> [url]
//
// <token-url> replaces https://oauth2.googleapis.com/token for service-account keys (the
// library does not read the key's token_uri); external_account files carry their own token_url.
// Prints one JSON line: {"ok":true,"token":"…","type":"…","status":200,"body":{…}} or
// {"ok":false,"error":"…"}.

import { readFileSync } from 'node:fs';
import { GoogleAuth } from 'google-auth-library';
import { errorMessage } from '../../../common/errors.ts';
import { isMain } from './http-util.ts';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** Minimal view of an AuthClient's gaxios transporter that the override needs. */
interface WithTransporter {
  transporter: {
    interceptors: {
      request: {
        add(i: { resolved?: (o: { url?: string | URL }) => Promise<{ url?: string | URL }> }): void;
      };
    };
  };
}

/**
 * Sends requests for Google's OAuth token endpoint to `tokenUrl` instead. google-auth-library
 * 10 hard-codes https://oauth2.googleapis.com/token for service-account (JWT) grants, so this
 * request interceptor on the client's transporter is the override.
 */
export function redirectTokenEndpoint(client: unknown, tokenUrl: string): void {
  (client as WithTransporter).transporter.interceptors.request.add({
    resolved: async (opts) => {
      if (opts.url !== undefined && String(opts.url) === GOOGLE_TOKEN_URL) opts.url = new URL(tokenUrl);
      return opts;
    },
  });
}

async function probe(credentials: string, tokenUrl: string, url: string | undefined) {
  const type = (JSON.parse(readFileSync(credentials, 'utf8')) as { type?: string }).type ?? 'unknown';
  const auth = new GoogleAuth({
    keyFile: credentials,
    scopes: ['https://www.googleapis.com/auth/cloud-platform'],
  });
  const client = await auth.getClient();
  if (tokenUrl !== '-') redirectTokenEndpoint(client, tokenUrl);
  const { token } = await client.getAccessToken();
  if (!token) throw new Error('no access token');
  if (!url) return { ok: true, type, token };
  const res = await client.request<unknown>({ url, validateStatus: () => true });
  return { ok: true, type, token, status: res.status, body: res.data };
}

if (isMain(import.meta.url)) {
  const [credentials, tokenUrl = '-', url] = process.argv.slice(2);
  if (!credentials) {
    console.error('usage: auth-probe.ts <credentials.json> <token-url|-> [url]');
    process.exit(2);
  }
  probe(credentials, tokenUrl, url).then(
    (r) => console.log(JSON.stringify(r)),
    (err: unknown) => {
      console.log(JSON.stringify({ ok: false, error: errorMessage(err) }));
      process.exitCode = 1;
    },
  );
}
