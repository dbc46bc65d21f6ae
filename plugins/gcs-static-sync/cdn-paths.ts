// Which paths to invalidate in Cloud CDN for a set of changed objects. Each path is one
// urlMaps.invalidateCache request, and Cloud CDN rate-limits them, so past `max` paths the
// changed files are collapsed into folder wildcards: each step replaces the folder that holds
// the most entries by `folder/*` (the deepest such folder on a tie), until at most `max`
// remain — at worst `/*`. A changed `index.html` also invalidates its folder's URL
// (`/docs/` for `docs/index.html`), which a backend bucket serves from it.

/** URL paths for object names: '/' + name (a backend bucket serves an object at its name). */
export function urlPathsOf(objectNames: Iterable<string>, indexPage = 'index.html'): string[] {
  const out = new Set<string>();
  for (const name of objectNames) {
    out.add(`/${name}`);
    if (name === indexPage || name.endsWith(`/${indexPage}`))
      out.add(`/${name.slice(0, name.length - indexPage.length)}`);
  }
  return [...out];
}

/** '/a/b/' for '/a/b/c.js'; '/a/' for '/a/b/*' and '/a/b/'; '/' for '/x'; undefined for '/' and '/*'. */
function parentFolder(path: string): string | undefined {
  const base = path.endsWith('/*') ? path.slice(0, -2) : path.endsWith('/') ? path.slice(0, -1) : path;
  const i = base.lastIndexOf('/');
  return i < 0 ? undefined : base.slice(0, i + 1);
}

const depth = (folder: string) => folder.split('/').length;

/** Whether `path` is `folder` itself or below it. */
const under = (path: string, folder: string) => path.startsWith(folder);

export function collapsePaths(paths: Iterable<string>, max: number): string[] {
  let set = [...new Set(paths)].sort();
  // A wildcard covers what lies below it.
  const covering = (list: string[]) =>
    list.filter((p) => !list.some((w) => w !== p && w.endsWith('/*') && under(p, w.slice(0, -1))));
  set = covering(set);
  while (set.length > max) {
    const counts = new Map<string, number>();
    for (const p of set) {
      const parent = parentFolder(p);
      if (parent !== undefined) counts.set(parent, (counts.get(parent) ?? 0) + 1);
    }
    if (counts.size === 0) break;
    const [folder] = [...counts.entries()].sort(
      (a, b) => b[1] - a[1] || depth(b[0]) - depth(a[0]) || (a[0] < b[0] ? -1 : 1),
    )[0] as [string, number];
    set = covering([...set.filter((p) => !under(p, folder)), `${folder}*`].sort());
  }
  return set;
}
