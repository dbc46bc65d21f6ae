// Renders each plugin's settings table from its schema into plugins/<name>/README.md,
// between the markers below. `tsx scripts/docs.ts` writes; `--check` only reports drift
// (the docs test runs the same check).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderMarkdownTable } from '../common/help.ts';
import { loadSchema, PLUGINS, type PluginName } from './plugins.ts';

export const START = '<!-- settings:start (generated from schema.ts by `npm run docs`; do not edit) -->';
export const END = '<!-- settings:end -->';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function readmePath(name: PluginName): string {
  return join(root, 'plugins', name, 'README.md');
}

/** The README with its settings block replaced by the table rendered from `table`. */
export function withTable(readme: string, table: string, file: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file}: the markers ${START} and ${END} are missing`);
  return `${readme.slice(0, a + START.length)}\n${table}\n${readme.slice(b)}`;
}

/** Plugins whose README is out of date (after writing them, when `write`). */
export async function syncDocs(write: boolean): Promise<string[]> {
  const stale: string[] = [];
  for (const name of PLUGINS) {
    const file = readmePath(name);
    const current = readFileSync(file, 'utf8');
    const next = withTable(current, renderMarkdownTable(await loadSchema(name)), file);
    if (next !== current) {
      stale.push(name);
      if (write) writeFileSync(file, next);
    }
  }
  return stale;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const check = process.argv.includes('--check');
  const stale = await syncDocs(!check);
  if (check && stale.length > 0) {
    console.error(`out of date: ${stale.map((n) => `plugins/${n}/README.md`).join(', ')}; run npm run docs`);
    process.exit(1);
  }
  console.log(stale.length > 0 ? `updated ${stale.join(', ')}` : 'docs are up to date');
}
