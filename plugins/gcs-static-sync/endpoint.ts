// Where Cloud Storage requests go, and whether they carry credentials.

export const STORAGE_ENDPOINT = 'https://storage.googleapis.com';

/** The API root for a `storage_endpoint` setting (default Google's), without a trailing slash. */
export const storageRoot = (endpoint: string | undefined): string =>
  (endpoint ?? STORAGE_ENDPOINT).replace(/\/+$/, '');

/** Credentials go to Google's endpoints (private ones included), never to an emulator's. */
export function sendsCredentials(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return true;
  const host = new URL(endpoint).hostname;
  return host === 'googleapis.com' || host.endsWith('.googleapis.com');
}

/**
 * The HTTP proxy for requests to `url`, from HTTP_PROXY / HTTPS_PROXY (either case) unless
 * NO_PROXY names the host, its origin or a parent domain (`.example.com`, `*.example.com`):
 * the rules @google-cloud/storage applies to its own requests (teeny-request), so the
 * listing and the writes leave by the same way (so `*` in NO_PROXY is no wildcard here either).
 */
export function proxyFor(url: URL, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const proxy = env.HTTP_PROXY || env.http_proxy || env.HTTPS_PROXY || env.https_proxy;
  if (!proxy) return undefined;
  const noProxy = env.NO_PROXY || env.no_proxy || '';
  for (const raw of noProxy.split(',')) {
    const rule = raw.trim();
    if (rule === '') continue;
    if (rule === url.origin || rule === url.hostname) return undefined;
    if (rule.startsWith('.') || rule.startsWith('*.')) {
      if (url.hostname.endsWith(rule.replace(/^\*\./, '.'))) return undefined;
    }
  }
  return proxy;
}
