import assert from 'node:assert/strict';
import { createAttributeRules, extensionOf } from '../../../../plugins/gcs-static-sync/attributes.ts';
import {
  createIgnoreMatcher,
  ignoreGlobProblem,
  isIgnoredPath,
} from '../../../../plugins/gcs-static-sync/ignore.ts';

describe('gcs-static-sync: object attributes', () => {
  it('takes Content-Type from the mime table, under the content_type overrides', () => {
    const rules = createAttributeRules({
      contentType: { wasm: 'application/x-custom', '.MAP': 'application/json' },
    });
    assert.equal(rules('index.html').contentType, 'text/html');
    assert.equal(rules('app/main.js').contentType, 'text/javascript');
    assert.equal(rules('a/style.CSS').contentType, 'text/css');
    assert.equal(rules('fonts/x.woff2').contentType, 'font/woff2');
    assert.equal(rules('img/logo.svg').contentType, 'image/svg+xml');
    assert.equal(rules('app.wasm').contentType, 'application/x-custom');
    assert.equal(rules('app.js.map').contentType, 'application/json');
    assert.equal(rules('LICENSE').contentType, 'application/octet-stream');
    assert.equal(rules('data.unknownext').contentType, 'application/octet-stream');
  });

  it('cache_control as a list keeps its order through Drone, which sorts the keys of a map', async () => {
    const { loadSettings } = await import('../../../../common/settings.ts');
    const { Masker } = await import('../../../../common/mask.ts');
    const { schema } = await import('../../../../plugins/gcs-static-sync/schema.ts');
    // How Drone writes the YAML list `- "**": ...` / `- "*.html": ...` (a list of maps: JSON, in order).
    const env = {
      PLUGIN_SOURCE: 'dist',
      PLUGIN_TARGET: 'bucket/p',
      PLUGIN_CACHE_CONTROL: '[{"static/**":"immutable"},{"**":"max-age=300"}]',
    };
    const { settings } = loadSettings<{ cache_control: Record<string, string>[] }>(schema, env, {
      masker: new Masker(),
    });
    const rules = createAttributeRules({ cacheControl: settings.cache_control });
    assert.equal(rules('static/app.js').cacheControl, 'immutable');
    assert.equal(rules('index.html').cacheControl, 'max-age=300');
    // The same rules as a map, as Drone passes it (keys sorted: "**" before "static/**"): the catch-all wins.
    const map = createAttributeRules({ cacheControl: { '**': 'max-age=300', 'static/**': 'immutable' } });
    assert.equal(map('static/app.js').cacheControl, 'max-age=300');
  });

  it('cache_control map: the first matching glob in written order wins; no match, no header', () => {
    const first = createAttributeRules({
      cacheControl: {
        '*.html': 'no-cache',
        'static/**': 'public, max-age=31536000, immutable',
        '**': 'max-age=300',
      },
    });
    assert.equal(first('index.html').cacheControl, 'no-cache');
    // *.html (no slash) matches in any folder, and comes before static/**.
    assert.equal(first('static/page.html').cacheControl, 'no-cache');
    assert.equal(first('static/app.js').cacheControl, 'public, max-age=31536000, immutable');
    assert.equal(first('robots.txt').cacheControl, 'max-age=300');
    // The same globs in another order give another answer.
    const reordered = createAttributeRules({
      cacheControl: { 'static/**': 'immutable', '*.html': 'no-cache' },
    });
    assert.equal(reordered('static/page.html').cacheControl, 'immutable');
    assert.equal(reordered('robots.txt').cacheControl, undefined);
    assert.equal(createAttributeRules({ cacheControl: 'max-age=60' })('a/b.c').cacheControl, 'max-age=60');
    assert.equal(createAttributeRules({})('a').cacheControl, undefined);
  });

  it('gzip by extension, case-insensitive, with or without a dot', () => {
    const rules = createAttributeRules({ gzip: ['js', '.CSS'] });
    assert.equal(rules('a/app.js').gzip, true);
    assert.equal(rules('a/APP.JS').gzip, true);
    assert.equal(rules('style.css').gzip, true);
    assert.equal(rules('js').gzip, false);
    assert.equal(rules('img.png').gzip, false);
    assert.equal(extensionOf('.hidden'), '');
    assert.equal(extensionOf('dir.x/file'), '');
  });

  it('ignore globs: files, folders and their contents, dot files', () => {
    const ignored = createIgnoreMatcher(['**/*.map', 'node_modules', '.git', 'drafts/**']);
    assert.equal(ignored('app.js.map'), true);
    assert.equal(ignored('a/b/app.js.map'), true);
    assert.equal(ignored('app.js'), false);
    assert.equal(isIgnoredPath(ignored, 'node_modules/x/index.js'), true);
    assert.equal(isIgnoredPath(ignored, 'sub/node_modules/y.js'), true);
    assert.equal(isIgnoredPath(ignored, '.git/config'), true);
    assert.equal(isIgnoredPath(ignored, 'drafts/a.html'), true);
    assert.equal(isIgnoredPath(ignored, 'published/a.html'), false);
    assert.match(ignoreGlobProblem('/abs/**') ?? '', /absolute/);
    assert.match(ignoreGlobProblem('../x') ?? '', /climbs out/);
    assert.equal(ignoreGlobProblem('**/*.map'), undefined);
  });
});
