// The remote side: every object under the prefix, listed once, a page of up to 1,000 at a
// time. The raw JSON API answer is read through the bucket's authenticated (and retried)
// request rather than getFiles(), which builds a File object per item: at 100,000 objects
// that is the difference between megabytes and hundreds of them. Only what the comparison
// needs is kept.
import type { Bucket } from '@google-cloud/storage';

export interface RemoteObject {
  name: string;
  size: number;
  md5Hash: string | undefined;
  crc32c: string | undefined;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  cacheControl: string | undefined;
  metadata: Record<string, string>;
  /** Last update of the object or its metadata, ms since the epoch. */
  updated: number;
}

interface ApiObject {
  name: string;
  size?: string | number;
  md5Hash?: string;
  crc32c?: string;
  contentType?: string;
  contentEncoding?: string;
  cacheControl?: string;
  metadata?: Record<string, unknown> | null;
  updated?: string;
}

interface ApiPage {
  items?: ApiObject[];
  nextPageToken?: string;
}

const FIELDS =
  'nextPageToken,items(name,size,md5Hash,crc32c,contentType,contentEncoding,cacheControl,metadata,updated)';

const orUndefined = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);

export function toRemoteObject(o: ApiObject): RemoteObject {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.metadata ?? {})) if (typeof v === 'string') metadata[k] = v;
  return {
    name: o.name,
    size: Number(o.size ?? 0),
    md5Hash: orUndefined(o.md5Hash),
    crc32c: orUndefined(o.crc32c),
    contentType: orUndefined(o.contentType),
    contentEncoding: orUndefined(o.contentEncoding),
    cacheControl: orUndefined(o.cacheControl),
    metadata,
    updated: o.updated ? Date.parse(o.updated) : 0,
  };
}

/** Lists every object whose name starts with `prefix`, page by page; `onPage` sees the running count. */
export async function listRemote(
  bucket: Bucket,
  prefix: string,
  onPage?: (count: number) => void,
): Promise<Map<string, RemoteObject>> {
  const out = new Map<string, RemoteObject>();
  let pageToken: string | undefined;
  do {
    const qs: Record<string, string | number> = { maxResults: 1000, projection: 'noAcl', fields: FIELDS };
    if (prefix !== '') qs.prefix = prefix;
    if (pageToken) qs.pageToken = pageToken;
    const [page] = (await bucket.request({ uri: '/o', qs })) as unknown as [ApiPage];
    for (const item of page.items ?? []) out.set(item.name, toRemoteObject(item));
    pageToken = page.nextPageToken;
    onPage?.(out.size);
  } while (pageToken);
  return out;
}
