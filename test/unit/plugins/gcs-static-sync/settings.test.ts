// Every setting, given a bad value, fails the run (exit 1) with a message naming the setting
// and its variable — before anything is listed or uploaded (no testbed needed: nothing is
// contacted). The token is a canary throughout, and must never show.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PluginModule } from '../../../../common/entry.ts';
import { schema } from '../../../../plugins/gcs-static-sync/schema.ts';
import { assertNoLeaks, makeCanaries, runInProcess, serviceAccountShape } from '../../../helpers/canary.ts';

const load = () => import('../../../../plugins/gcs-static-sync/main.ts') as Promise<PluginModule>;

describe('gcs-static-sync: a bad value of each setting', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gss-settings-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const canaries = makeCanaries(schema, { token: serviceAccountShape });
  const base = () => ({ ...canaries.env, PLUGIN_SOURCE: dir, PLUGIN_TARGET: 'my-assets/static' });

  const cases: [setting: string, variable: string, value: string, problem: RegExp][] = [
    ['token', 'PLUGIN_TOKEN', 'not json, not base64!', /neither a JSON credentials file nor base64/],
    [
      'token',
      'PLUGIN_JSON_KEY',
      Buffer.from('plain text').toString('base64'),
      /neither a JSON credentials file/,
    ],
    ['project', 'PLUGIN_PROJECT', 'Not_A_Project', /Google Cloud project ID/],
    ['source', 'PLUGIN_SOURCE', 'no/such/folder', /folder "no\/such\/folder" does not exist/],
    ['target', 'PLUGIN_TARGET', 'Bad Bucket/x', /bucket\/prefix/],
    ['target', 'PLUGIN_TARGET', 'goog-assets/x', /must not start with "goog"/],
    ['ignore', 'PLUGIN_IGNORE', '/abs/**', /absolute/],
    ['gzip', 'PLUGIN_GZIP', 'js,c$s', /item 2: expected a file extension such as js/],
    ['cache_control', 'PLUGIN_CACHE_CONTROL', '{"*.html": 300}', /expected string/],
    ['cache_control', 'PLUGIN_CACHE_CONTROL', '{"*.html": "no-cache"', /not valid JSON/],
    ['metadata', 'PLUGIN_METADATA', '{"team": 1}', /expected string/],
    ['metadata', 'PLUGIN_METADATA', '{"gcs-static-sync-source-md5": "x"}', /reserved/],
    ['content_type', 'PLUGIN_CONTENT_TYPE', '{"wasm": "wasm"}', /wasm: must match format/],
    ['content_type', 'PLUGIN_CONTENT_TYPE', '{"*.wasm": "application/wasm"}', /not a file extension/],
    ['predefined_acl', 'PLUGIN_PREDEFINED_ACL', 'public', /expected one of: authenticatedRead/],
    ['delete', 'PLUGIN_DELETE', 'perhaps', /expected true or false, got "perhaps"/],
    ['delete_older_than', 'PLUGIN_DELETE_OLDER_THAN', 'soon', /expected a duration such as 24h/],
    ['dry_run', 'PLUGIN_DRY_RUN', 'yes', /expected true or false, got "yes"/],
    ['concurrency', 'PLUGIN_CONCURRENCY', '0', /must be >= 1/],
    ['concurrency', 'PLUGIN_CONCURRENCY', 'many', /expected a whole number/],
    ['cdn_invalidate', 'PLUGIN_CDN_INVALIDATE', '{"paths": "changed"}', /missing key "url_map"/],
    ['cdn_invalidate', 'PLUGIN_CDN_INVALIDATE', 'Not A Map', /expected a URL map name/],
    ['debug', 'PLUGIN_DEBUG', 'verbose', /expected true or false, got "verbose"/],
    ['storage_endpoint', 'PLUGIN_STORAGE_ENDPOINT', 'not a url', /expected an http\(s\):\/\/ URL/],
    ['compute_endpoint', 'PLUGIN_COMPUTE_ENDPOINT', 'localhost:80', /expected an http\(s\):\/\/ URL/],
    ['token_url', 'PLUGIN_TOKEN_URL', 'token', /expected an https:\/\/ URL/],
  ];

  it('covers every setting of the schema', () => {
    const covered = new Set(cases.map(([s]) => s));
    const missing = Object.keys(schema.properties).filter((k) => !covered.has(k));
    assert.deepEqual(missing, []);
  });

  for (const [setting, variable, value, problem] of cases) {
    it(`${setting} (${variable}=${JSON.stringify(value).slice(0, 40)}) -> exit 1 naming it`, async () => {
      const env: Record<string, string> = { ...base(), [variable]: value };
      if (variable === 'PLUGIN_JSON_KEY') delete env.PLUGIN_TOKEN;
      const r = await runInProcess(schema, load, env);
      assert.equal(r.code, 1, r.output);
      const line = r.output.split('\n').find((l) => l.includes(`setting "${setting}" (${variable})`));
      assert.ok(line, `no line names ${setting} (${variable}):\n${r.output}`);
      assert.match(line, problem);
      assert.match(r.output, /^gcs-static-sync failed: /m);
      assertNoLeaks(r.output, canaries.secrets);
    });
  }

  it('delete_older_than without delete is refused rather than ignored', async () => {
    const r = await runInProcess(schema, load, { ...base(), PLUGIN_DELETE_OLDER_THAN: '7d' });
    assert.equal(r.code, 1);
    assert.match(
      r.output,
      /setting "delete_older_than" \(PLUGIN_DELETE_OLDER_THAN\): has no effect without "delete: true"/,
    );
  });

  it('a token that is not valid JSON is refused without quoting it', async () => {
    const secret = `{"type": "service_account", "private_key": "${'canarysecretvalue'.repeat(3)}`;
    const r = await runInProcess(schema, load, { ...base(), PLUGIN_TOKEN: secret });
    assert.equal(r.code, 1);
    assert.match(r.output, /setting "token" \(PLUGIN_TOKEN\): is not valid JSON \(the value is not shown/);
    assertNoLeaks(r.output, [secret, 'canarysecretvalue'.repeat(3)]);
  });

  it('reports every problem at once', async () => {
    const r = await runInProcess(schema, load, {
      ...base(),
      PLUGIN_SOURCE: 'missing-folder',
      PLUGIN_TARGET: 'goog/x',
      PLUGIN_IGNORE: '../up',
    });
    assert.equal(r.code, 1);
    assert.match(r.output, /3 invalid settings/);
  });

  it('reports a missing source folder with the schema errors, not after they are fixed', async () => {
    const r = await runInProcess(schema, load, {
      ...base(),
      PLUGIN_SOURCE: 'missing-folder',
      PLUGIN_CONCURRENCY: '0',
      PLUGIN_DRY_RUN: 'yes',
      PLUGIN_TARGET: '',
    });
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /4 invalid settings/);
    assert.match(r.output, /setting "source" \(PLUGIN_SOURCE\): folder "missing-folder" does not exist/);
    assert.match(r.output, /setting "concurrency" \(PLUGIN_CONCURRENCY\): must be >= 1/);
    assert.match(r.output, /setting "dry_run" \(PLUGIN_DRY_RUN\): expected true or false/);
    assert.match(r.output, /setting "target" \(PLUGIN_TARGET\): is required/);
  });

  it('a misspelt cache_control stops the step (with delete: true it would have deleted)', async () => {
    const r = await runInProcess(schema, load, {
      ...base(),
      PLUGIN_CACHE_CONTRL: 'public, max-age=60',
      PLUGIN_DELETE: 'true',
    });
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.output,
      /setting "cache_contrl" \(PLUGIN_CACHE_CONTRL\): is not a setting of gcs-static-sync; did you mean "cache_control" \(PLUGIN_CACHE_CONTROL\)\? Rename it/,
    );
    assert.doesNotMatch(r.output, /listing/);
  });
});
