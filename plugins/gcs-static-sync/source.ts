// The source side of a sync: walk the folder and hash every file. The MD5s are computed on
// worker threads while the remote prefix is being listed (neither needs the other); the few
// files that also need a CRC32C, because their remote object has no MD5, are hashed again
// once the listing says which.
import { errorMessage } from '../../common/errors.ts';
import { createAttributeRules, type Matcher, type ObjectAttributes } from './attributes.ts';
import { type HashOptions, hashFiles } from './hash/index.ts';
import { CHUNK, type FileHash, hashFile, type LocalEntry, walkSource } from './local.ts';
import { type HashedFile, needsCrc32c } from './plan.ts';
import type { RemoteObject } from './remote.ts';
import type { Settings } from './settings.ts';

export interface SourceProblem {
  path: string;
  problem: string;
}

interface ScannedFile {
  entry: LocalEntry;
  name: string;
  attrs: ObjectAttributes;
  hash: FileHash | undefined;
  error: string | undefined;
}

export interface SourceScan {
  files: ScannedFile[];
  /** Paths the walk could not take (unreadable folders, links to folders, bad names). */
  problems: SourceProblem[];
  ignored: number;
}

/** Walks the source (leaving out what `ignored` matches) and MD5-hashes every file (`hashing`: threads, progress). */
export async function scanSource(
  config: Pick<Settings, 'sourceDir' | 'target' | 'attributes'>,
  ignored: Matcher,
  hashing: HashOptions,
): Promise<SourceScan> {
  const walk = walkSource(config.sourceDir, ignored, config.target.prefix);
  const hashes = await hashFiles(
    walk.files.map((f) => f.abs),
    hashing,
  );
  const rules = createAttributeRules(config.attributes);
  const files = walk.files.map((entry, i): ScannedFile => {
    const r = hashes[i];
    return {
      entry,
      name: config.target.prefix + entry.path,
      attrs: rules(entry.path),
      hash: r && !('error' in r) ? r : undefined,
      error: r && 'error' in r ? r.error : undefined,
    };
  });
  return { files, problems: walk.problems, ignored: walk.ignored };
}

export interface HashedSource {
  /** Sorted by object name. */
  files: HashedFile[];
  failures: SourceProblem[];
  /** Source paths that failed: their remote objects must not be deleted. */
  unreadable: Set<string>;
}

/**
 * The scan's hashes, plus CRC32C where the remote object has no MD5 (composite objects),
 * computed here with the library's CRC32C. Failures: the walk's problems, then unreadable files.
 */
export async function completeHashes(
  scan: SourceScan,
  remote: ReadonlyMap<string, RemoteObject>,
): Promise<HashedSource> {
  const failures: SourceProblem[] = [...scan.problems];
  const files: HashedFile[] = [];
  const buffer = Buffer.allocUnsafe(CHUNK);
  for (const f of scan.files) {
    let hash = f.hash;
    let error = f.error;
    if (hash && needsCrc32c(remote.get(f.name), f.attrs.gzip)) {
      try {
        hash = await hashFile(f.entry.abs, true, buffer);
      } catch (err) {
        hash = undefined;
        error = errorMessage(err);
      }
    }
    if (hash) files.push({ path: f.entry.path, abs: f.entry.abs, name: f.name, hash, attrs: f.attrs });
    else failures.push({ path: f.entry.path, problem: `cannot read: ${error ?? 'unknown error'}` });
  }
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files, failures, unreadable: new Set(failures.map((f) => f.path)) };
}
