// Builds one minified bundle per plugin: dist/<plugin>/index.js (ESM, split so that the
// plugin body is a chunk loaded only when it runs, not for --help). Usage:
//   tsx scripts/bundle.ts [plugin...]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { PLUGINS, type PluginName } from './plugins.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Some CommonJS dependencies call require() for Node built-ins; an ESM bundle needs one.
const banner = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

export async function bundle(name: PluginName): Promise<string> {
  const outdir = join(root, 'dist', name);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { index: join(root, 'plugins', name, 'index.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    banner: { js: banner },
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
  });
  // The bundle is copied into images on its own: mark it as ESM there too.
  writeFileSync(join(outdir, 'package.json'), `${JSON.stringify({ type: 'module' })}\n`);
  return join(outdir, 'index.js');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((a) => !(PLUGINS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`unknown plugin ${unknown.join(', ')}; expected one of ${PLUGINS.join(', ')}`);
    process.exit(1);
  }
  const names = (asked.length > 0 ? asked : PLUGINS) as PluginName[];
  for (const name of names) console.log(`bundled ${name}: ${await bundle(name)}`);
}
