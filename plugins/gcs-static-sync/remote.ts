// The remote side: every object under the prefix, listed once, a page of up to 1,000 at a
// time. One listing with a delimiter gives the objects directly under the prefix and its
// folders; the folders are then listed in full, several at a time, instead of paging through
// the whole prefix one page after the other (a no-op re-sync is mostly this listing). Every
// object is still listed exactly once. The raw JSON API answer is read through the bucket's authenticated (and retried)
// request rather than getFiles(), which builds a File object per item: at 100,000 objects
// that is the difference between megabytes and hundreds of them. Only what the comparison
// needs is kept.
import type { Bucket } from '@google-cloud/storage';
import { forEachLimit } from './pool.ts';

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
  prefixes?: string[];
  nextPageToken?: string;
}

const FIELDS =
  'nextPageToken,prefixes,items(name,size,md5Hash,crc32c,contentType,contentEncoding,cacheControl,metadata,updated)';

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

async function listPages(
  bucket: Bucket,
  query: { prefix: string; delimiter?: string },
  onPage: (page: ApiPage) => void,
): Promise<void> {
  let pageToken: string | undefined;
  do {
    const qs: Record<string, string | number> = { maxResults: 1000, projection: 'noAcl', fields: FIELDS };
    if (query.prefix !== '') qs.prefix = query.prefix;
    if (query.delimiter) qs.delimiter = query.delimiter;
    if (pageToken) qs.pageToken = pageToken;
    const [page] = (await bucket.request({ uri: '/o', qs })) as unknown as [ApiPage];
    onPage(page);
    pageToken = page.nextPageToken;
  } while (pageToken);
}

/**
 * Lists every object whose name starts with `prefix` (folders `concurrency` at a time);
 * `onPage` sees the running count.
 */
export async function listRemote(
  bucket: Bucket,
  prefix: string,
  onPage?: (count: number) => void,
  concurrency = 8,
): Promise<Map<string, RemoteObject>> {
  const out = new Map<string, RemoteObject>();
  const folders: string[] = [];
  const add = (page: ApiPage) => {
    for (const item of page.items ?? []) out.set(item.name, toRemoteObject(item));
    onPage?.(out.size);
  };
  await listPages(bucket, { prefix, delimiter: '/' }, (page) => {
    add(page);
    folders.push(...(page.prefixes ?? []));
  });
  await forEachLimit(folders, concurrency, (folder) => listPages(bucket, { prefix: folder }, add));
  return out;
}
