// The `ignore` globs. A source folder that matches is not entered, so for a remote object
// "ignored" means: its path, or any folder above it, matches.
import { compileGlob, type Matcher } from './attributes.ts';

export function createIgnoreMatcher(globs: readonly string[]): Matcher {
  const matchers = globs.map(compileGlob);
  return (path) => matchers.some((m) => m(path));
}

/** True when `path` or one of its folders ('a', 'a/b' for 'a/b/c.js') is ignored. */
export function isIgnoredPath(ignored: Matcher, path: string): boolean {
  if (ignored(path)) return true;
  for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
    if (ignored(path.slice(0, i))) return true;
  }
  return false;
}

/** Why an ignore glob can never match (absolute, or climbing out of the source), if it cannot. */
export function ignoreGlobProblem(glob: string): string | undefined {
  if (glob.startsWith('/'))
    return `"${glob}" is absolute; patterns are relative to source (write it without the leading /)`;
  if (glob.split('/').includes('..')) return `"${glob}" climbs out of source with ".."`;
  return undefined;
}
