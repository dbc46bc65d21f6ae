// What each object should look like, from the settings: its Content-Type (the `mime`
// package's full table, under the `content_type` overrides), Cache-Control (one value, or
// the first matching glob of the map in written order), whether it is stored gzip-compressed,
// and its custom metadata. Globs are picomatch globs; one without a slash matches the file
// name in any folder, as in .gitignore.
import mime from 'mime';
import picomatch from 'picomatch';

/** Custom metadata key that holds the MD5 (base64) of the source bytes of a gzip-stored object. */
export const SOURCE_MD5_KEY = 'gcs-static-sync-source-md5';

export interface ObjectAttributes {
  contentType: string;
  /** Undefined: the object gets no Cache-Control. */
  cacheControl: string | undefined;
  gzip: boolean;
  /** Custom metadata as set by the settings (the source MD5 of gzip objects is added on upload). */
  metadata: Readonly<Record<string, string>>;
}

export interface AttributeSettings {
  /** One value; a map (matched in its key order); or a list of maps (matched in list order). */
  cacheControl?: string | Record<string, string> | Record<string, string>[] | undefined;
  gzip?: readonly string[] | undefined;
  contentType?: Readonly<Record<string, string>> | undefined;
  metadata?: Readonly<Record<string, string>> | undefined;
}

export type Matcher = (path: string) => boolean;

/** A glob matcher for paths relative to the source folder ('a/b.js'). */
export function compileGlob(glob: string): Matcher {
  return picomatch(glob, { dot: true, basename: !glob.includes('/') });
}

const DEFAULT_TYPE = 'application/octet-stream';

/** 'js' for 'app/main.JS', '' for a file without an extension. */
export function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

const normaliseExtension = (e: string) => e.replace(/^\./, '').toLowerCase();

export function createAttributeRules(s: AttributeSettings): (path: string) => ObjectAttributes {
  const typeOverrides = new Map(
    Object.entries(s.contentType ?? {}).map(([ext, type]) => [normaliseExtension(ext), type]),
  );
  const gzip = new Set((s.gzip ?? []).map(normaliseExtension));
  const cache = s.cacheControl;
  // A list keeps the written order through Drone; a map arrives with its keys sorted (Drone
  // encodes maps with Go's encoding/json), and Object.entries keeps that order.
  const ordered = Array.isArray(cache)
    ? cache.flatMap((rule) => Object.entries(rule))
    : Object.entries(cache ?? {});
  const cacheRules = typeof cache === 'object' ? ordered.map(([g, v]) => [compileGlob(g), v] as const) : [];
  const metadata = { ...(s.metadata ?? {}) };
  return (path) => {
    const ext = extensionOf(path);
    const contentType = typeOverrides.get(ext) ?? mime.getType(path) ?? DEFAULT_TYPE;
    let cacheControl: string | undefined;
    if (typeof cache === 'string') cacheControl = cache;
    else cacheControl = cacheRules.find(([match]) => match(path))?.[1];
    return { contentType, cacheControl, gzip: ext !== '' && gzip.has(ext), metadata };
  };
}
