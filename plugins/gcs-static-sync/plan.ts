// The sync plan, computed from the hashed source files and the remote listing alone (no I/O):
// what to upload (new or changed content), what to patch (same content, other Content-Type,
// Cache-Control or custom metadata), what is unchanged, and what to delete or keep.
//
// Content is the same when:
//  - plain objects: not gzip-encoded, same size, and the same MD5 — or, for objects without
//    an MD5 (composite objects), the same CRC32C;
//  - gzip-stored objects: gzip-encoded and the source MD5 kept in their custom metadata
//    matches (the compressed bytes' hash says nothing about the source's).
import { type ObjectAttributes, SOURCE_MD5_KEY } from './attributes.ts';
import type { FileHash } from './local.ts';
import type { RemoteObject } from './remote.ts';

export interface HashedFile {
  /** Relative to the source folder. */
  path: string;
  abs: string;
  /** Object name: prefix + path. */
  name: string;
  hash: FileHash;
  attrs: ObjectAttributes;
}

export interface PlannedUpload {
  file: HashedFile;
  reason: 'new' | 'changed';
  /** Custom metadata to set (the settings' metadata, plus the source MD5 for gzip objects). */
  metadata: Record<string, string>;
}

export interface MetadataPatch {
  contentType?: string;
  cacheControl?: string | null;
  /** Keys to set; null removes a key. */
  metadata?: Record<string, string | null>;
}

export interface PlannedPatch {
  file: HashedFile;
  /** What differs, for the log: 'Content-Type', 'Cache-Control', 'metadata'. */
  changes: string[];
  patch: MetadataPatch;
}

export interface SyncPlan {
  uploads: PlannedUpload[];
  patches: PlannedPatch[];
  unchanged: number;
  /** Remote objects gone from the source, to delete (only with `delete`). */
  deletes: RemoteObject[];
  /** Remote objects gone from the source but kept: updated within `delete_older_than`. */
  kept: RemoteObject[];
  /** Remote objects gone from the source, left alone because `delete` is off. */
  extra: number;
}

export interface PlanOptions {
  /** The object-name prefix ('' or ending in '/'). */
  prefix: string;
  delete: boolean;
  /** With delete: only delete objects whose last update is older than this (ms). */
  deleteOlderThanMs?: number | undefined;
  now: number;
  /** Paths (relative to the prefix) the `ignore` globs match: never deleted. */
  ignored: (path: string) => boolean;
  /** Source paths that exist but could not be read or hashed: their objects are never deleted. */
  unreadable?: ReadonlySet<string>;
}

/** The custom metadata an object of `file` should carry. */
export function desiredMetadata(file: HashedFile): Record<string, string> {
  const out: Record<string, string> = { ...file.attrs.metadata };
  if (file.attrs.gzip) out[SOURCE_MD5_KEY] = file.hash.md5;
  return out;
}

/** Whether the remote object holds the file's content (in the form the settings ask for). */
export function sameContent(file: HashedFile, remote: RemoteObject): boolean {
  const remoteGzip = remote.contentEncoding === 'gzip';
  if (file.attrs.gzip) return remoteGzip && remote.metadata[SOURCE_MD5_KEY] === file.hash.md5;
  if (remoteGzip || remote.size !== file.hash.size) return false;
  if (remote.md5Hash !== undefined) return remote.md5Hash === file.hash.md5;
  if (remote.crc32c !== undefined && file.hash.crc32c !== undefined)
    return remote.crc32c === file.hash.crc32c;
  return false;
}

/** Whether the source file must also be CRC32C-hashed to compare with `remote`. */
export function needsCrc32c(remote: RemoteObject | undefined, gzip: boolean): boolean {
  return remote !== undefined && !gzip && remote.md5Hash === undefined && remote.crc32c !== undefined;
}

/**
 * The metadata patch that turns `remote`'s attributes into the desired ones, or undefined when
 * they already match. An empty metadata value counts as absent (some servers, fake-gcs-server
 * among them, keep a removed key with an empty value).
 */
export function diffAttributes(file: HashedFile, remote: RemoteObject): PlannedPatch | undefined {
  const changes: string[] = [];
  const patch: MetadataPatch = {};
  if ((remote.contentType ?? '') !== file.attrs.contentType) {
    changes.push('Content-Type');
    patch.contentType = file.attrs.contentType;
  }
  if ((remote.cacheControl ?? '') !== (file.attrs.cacheControl ?? '')) {
    changes.push('Cache-Control');
    patch.cacheControl = file.attrs.cacheControl ?? null;
  }
  const want = desiredMetadata(file);
  const meta: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(want)) if (remote.metadata[k] !== v) meta[k] = v;
  for (const [k, v] of Object.entries(remote.metadata)) if (!(k in want) && v !== '') meta[k] = null;
  if (Object.keys(meta).length > 0) {
    changes.push('metadata');
    patch.metadata = meta;
  }
  return changes.length === 0 ? undefined : { file, changes, patch };
}

export function computeSyncPlan(
  files: readonly HashedFile[],
  remote: ReadonlyMap<string, RemoteObject>,
  opts: PlanOptions,
): SyncPlan {
  const plan: SyncPlan = { uploads: [], patches: [], unchanged: 0, deletes: [], kept: [], extra: 0 };
  const local = new Set<string>();
  for (const file of files) {
    local.add(file.name);
    const r = remote.get(file.name);
    if (!r) {
      plan.uploads.push({ file, reason: 'new', metadata: desiredMetadata(file) });
      continue;
    }
    if (!sameContent(file, r)) {
      plan.uploads.push({ file, reason: 'changed', metadata: desiredMetadata(file) });
      continue;
    }
    const patch = diffAttributes(file, r);
    if (patch) plan.patches.push(patch);
    else plan.unchanged += 1;
  }
  for (const r of remote.values()) {
    if (local.has(r.name) || !r.name.startsWith(opts.prefix)) continue;
    const rel = r.name.slice(opts.prefix.length);
    // Folder placeholders ("a/") and ignored or unreadable paths are never deleted.
    if (rel === '' || rel.endsWith('/') || opts.ignored(rel) || opts.unreadable?.has(rel)) continue;
    if (!opts.delete) {
      plan.extra += 1;
      continue;
    }
    const recent = opts.deleteOlderThanMs !== undefined && opts.now - r.updated < opts.deleteOlderThanMs;
    if (recent) plan.kept.push(r);
    else plan.deletes.push(r);
  }
  plan.deletes.sort((a, b) => (a.name < b.name ? -1 : 1));
  plan.kept.sort((a, b) => (a.name < b.name ? -1 : 1));
  return plan;
}
