// The real bundles, run as child processes with node, as the images run them.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundle } from '../../scripts/bundle.ts';
import { loadSchema, PLUGINS } from '../../scripts/plugins.ts';
import { assertNoLeaks, makeCanaries, runChild, serviceAccountShape } from '../helpers/canary.ts';

describe('plugin bundles', function () {
  this.timeout(120_000);
  const entries = new Map<string, string>();

  before(async () => {
    for (const name of PLUGINS) entries.set(name, await bundle(name));
  });

  it('gcs-static-sync: the MD5 lanes module is built in, the same bytes the generator gives', async () => {
    const { md5LanesWasm } = await import('../../plugins/gcs-static-sync/hash/md5-lanes.ts');
    const chunks = join(dirname(entries.get('gcs-static-sync') as string), 'chunks');
    const base64 = Buffer.from(md5LanesWasm()).toString('base64');
    const holding = readdirSync(chunks).filter((f) => readFileSync(join(chunks, f), 'utf8').includes(base64));
    assert.equal(holding.length, 1, 'one chunk holds the prebuilt bytes');
  });

  it('gcs-static-sync: neither its hashing worker nor its main chunk loads node:crypto or node:zlib', () => {
    // What a module imports statically is loaded before its first line runs: node:crypto
    // costs a worker ~10 ms of its boot (plugins/gcs-static-sync/builtins.ts).
    const chunks = join(dirname(entries.get('gcs-static-sync') as string), 'chunks');
    const loads = (file: string, seen = new Set<string>()): Set<string> => {
      if (seen.has(file)) return seen;
      seen.add(file);
      const code = readFileSync(join(chunks, file), 'utf8');
      for (const [, spec] of code.matchAll(/(?:from|import)\s*"([^"]+)"/g)) {
        if (spec?.startsWith('./')) loads(spec.slice(2), seen);
        else if (spec) seen.add(spec);
      }
      return seen;
    };
    const mainChunk = readdirSync(chunks).find((f) => f.startsWith('main-'));
    assert.ok(mainChunk, 'the bundle has a main chunk');
    for (const entry of ['hash-worker.js', mainChunk]) {
      const all = loads(entry);
      assert.ok(all.has('node:fs'), `${entry}: the walk finds static imports`);
      for (const heavy of ['node:crypto', 'crypto', 'node:zlib', 'zlib'])
        assert.ok(!all.has(heavy), `${entry} loads ${heavy} at start`);
    }
  });

  for (const name of PLUGINS) {
    it(`${name}: --help prints the settings and exits 0`, async () => {
      const entry = entries.get(name) as string;
      assert.ok(existsSync(entry));
      const r = await runChild(process.execPath, [entry, '--help'], { PATH: process.env.PATH ?? '' });
      assert.equal(r.code, 0, r.output);
      assert.match(r.stdout, new RegExp(`^${name}: `));
      for (const key of Object.keys((await loadSchema(name)).properties)) {
        assert.match(r.stdout, new RegExp(`^ {2}${key} {2}\\(PLUGIN_${key.toUpperCase()}`, 'm'));
      }
    });

    it(`${name}: a settings error exits 1 on stderr, with no canary in the output`, async () => {
      const entry = entries.get(name) as string;
      const c = makeCanaries(await loadSchema(name), { token: serviceAccountShape });
      const r = await runChild(process.execPath, [entry], {
        PATH: process.env.PATH ?? '',
        ...c.env,
        PLUGIN_TIMEOUT: 'later',
      });
      assert.equal(r.code, 1, r.output);
      assert.match(r.stderr, new RegExp(`^${name} failed: `, 'm'));
      assertNoLeaks(r.output, c.secrets);
    });
  }
});
