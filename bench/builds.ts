// The builds a benchmark runs side by side. `--build <label>=<folder>` (repeatable) names a
// folder laid out like dist/ (<plugin>/index.js), e.g. one bundled from another commit; the
// bench then runs every build's subjects interleaved in one run, so machine noise hits them
// alike. Without `--build` a bench runs this checkout's own sources, bundled first.
// bench/compare-builds.ts drives the benches this way with two revisions.
import { join, resolve } from 'node:path';
import { bundle } from '../scripts/bundle.ts';
import type { PluginName } from '../scripts/plugins.ts';

export interface Build {
  label: string;
  /** A folder laid out like dist/. */
  dir: string;
}

/** Every `<flag> <label>=<folder>` on the command line, in order. */
export function namedBuilds(flag = '--build', argv: readonly string[] = process.argv): Build[] {
  const builds: Build[] = [];
  argv.forEach((arg, i) => {
    if (arg !== flag) return;
    const [label, folder] = (argv[i + 1] ?? '').split(/=(.*)/s);
    if (!label || !folder)
      throw new Error(`${flag} takes <label>=<folder>, e.g. ${flag} before=../base/dist`);
    builds.push({ label, dir: resolve(folder) });
  });
  return builds;
}

/**
 * The builds named with `--build`, or else this checkout's `plugin` bundled into
 * `scratch/<plugin>` (a folder of the bench's own: other runs rebuild dist/ meanwhile).
 */
export async function buildsToRun(plugin: PluginName, scratch: string): Promise<Build[]> {
  const named = namedBuilds();
  if (named.length > 0) return named;
  await bundle(plugin, join(scratch, plugin));
  return [{ label: 'this checkout', dir: scratch }];
}

/** The entry of `plugin` in `build`. */
export const entryOf = (build: Build, plugin: PluginName): string => join(build.dir, plugin, 'index.js');

/** ` [label]` after a subject's name when more than one build runs, else nothing. */
export const tagOf = (builds: readonly Build[], build: Build): string =>
  builds.length > 1 ? ` [${build.label}]` : '';
