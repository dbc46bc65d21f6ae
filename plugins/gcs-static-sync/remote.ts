// The remote side: every object under the prefix, listed once, a page of up to 1,000 at a
// time. One listing with a delimiter gives the objects directly under the prefix and its
// folders; the folders are then listed in full, several at a time, instead of paging through
// the whole prefix one page after the other (a no-op re-sync is mostly this listing). Every
// object is still listed exactly once. The raw JSON API answer is read (list-client.ts)
// rather than the storage library's getFiles(), which builds a File object per item: at
// 100,000 objects that is the difference between megabytes and hundreds of them. Only what
// the comparison needs is kept.
import type { ListClient } from './list-client.ts';
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
  client: ListClient,
  query: { prefix: string; delimiter?: string },
  onPage: (page: ApiPage) => void,
): Promise<void> {
  let pageToken: string | undefined;
  do {
    const page = await client.page<ApiPage>({ ...query, pageToken, fields: FIELDS });
    onPage(page);
    pageToken = page.nextPageToken;
  } while (pageToken);
}

/**
 * Lists every object whose name starts with `prefix` (folders `concurrency` at a time);
 * `onPage` sees the running count.
 */
export async function listRemote(
  client: ListClient,
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
  await listPages(client, { prefix, delimiter: '/' }, (page) => {
    add(page);
    folders.push(...(page.prefixes ?? []));
  });
  await forEachLimit(folders, concurrency, (folder) => listPages(client, { prefix: folder }, add));
  return out;
}
