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
