// gcs-static-sync's settings, through the bundle as the image runs it: a misspelt setting
// stops the step before anything is listed or changed (it used to warn, then sync without
// Cache-Control and, with delete: true, delete), and every problem is reported at once, the
// missing source folder included.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundle } from '../../../scripts/bundle.ts';
import { runChild } from '../../helpers/canary.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import { createBucket } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';

/** Writes `files` (relative path -> content) into a new temporary folder. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gss-input-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe('gcs-static-sync: settings through the bundle', function () {
  this.timeout(120_000);
  let state: TestbedState;
  let entry: string;
  let copy: string;
  let counter: Server;
  let counted: string;
  let requests = 0;
  const made: string[] = [];

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
    // A private copy: other test runs may rebuild dist/ while this one runs.
    const built = await bundle('gcs-static-sync');
    copy = mkdtempSync(join(tmpdir(), 'gss-input-bundle-'));
    cpSync(dirname(built), copy, { recursive: true });
    entry = join(copy, 'index.js');
    // Stands in for Cloud Storage and the token endpoint where nothing may be contacted.
    counter = createServer((req, res) => {
      requests += 1;
      req.resume();
      // 404: not retried, so a run that gets this far fails at once.
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"code":404,"message":"counted"}}');
    });
    await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve));
    counted = `http://127.0.0.1:${(counter.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    requests = 0;
  });
  after(async () => {
    rmSync(copy, { recursive: true, force: true });
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
    await new Promise((resolve) => counter.close(resolve));
  });

  const key = () => readFileSync(state.credentials.serviceAccountKeyFile, 'utf8');
  const child = (env: Record<string, string>) =>
    runChild(process.execPath, [entry], {
      PATH: process.env.PATH ?? '',
      NODE_EXTRA_CA_CERTS: state.ca.bundle,
      PLUGIN_TOKEN: key(),
      PLUGIN_TOKEN_URL: state.gke.tokenUrl,
      ...env,
    });
  const source = (files: Record<string, string>) => {
    const dir = folder(files);
    made.push(dir);
    return dir;
  };
  const objects = async (bucket: string) => {
    const res = await fetch(`${state.gcs.url}/storage/v1/b/${encodeURIComponent(bucket)}/o`);
    const page = (await res.json()) as { items?: { name: string; cacheControl?: string }[] };
    return Object.fromEntries((page.items ?? []).map((o) => [o.name, o.cacheControl ?? '']));
  };

  it('a misspelt cache_control with delete: true stops the step; nothing is listed, uploaded or deleted', async () => {
    const bucket = await createBucket(state, 'gss-input');
    const first = await child({
      PLUGIN_SOURCE: source({ 'index.html': 'home', 'old.css': 'old' }),
      PLUGIN_TARGET: bucket,
      PLUGIN_STORAGE_ENDPOINT: state.gcs.url,
    });
    assert.equal(first.code, 0, first.output);
    const before = await objects(bucket);
    assert.deepEqual(Object.keys(before).sort(), ['index.html', 'old.css']);

    const settings = {
      PLUGIN_SOURCE: source({ 'index.html': 'home, changed' }),
      PLUGIN_TARGET: bucket,
      PLUGIN_DELETE: 'true',
      PLUGIN_CACHE_CONTRL: 'public, max-age=60',
    };
    const r = await child({ ...settings, PLUGIN_STORAGE_ENDPOINT: state.gcs.url });
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.stderr,
      /setting "cache_contrl" \(PLUGIN_CACHE_CONTRL\): is not a setting of gcs-static-sync; did you mean "cache_control" \(PLUGIN_CACHE_CONTROL\)\? Rename it/,
    );
    assert.deepEqual(await objects(bucket), before, 'nothing uploaded, nothing deleted');

    // The same step against a server that counts: not one request.
    const counting = await child({
      ...settings,
      PLUGIN_STORAGE_ENDPOINT: counted,
      PLUGIN_TOKEN_URL: `${counted}/token`,
    });
    assert.equal(counting.code, 1, counting.output);
    assert.equal(requests, 0);
  });

  it('a missing source folder is reported with the other problems, at once', async () => {
    const r = await child({
      PLUGIN_SOURCE: join(tmpdir(), 'gss-input-no-such-folder'),
      PLUGIN_TARGET: 'Bad Bucket/x',
      PLUGIN_CONCURRENCY: '0',
      PLUGIN_STORAGE_ENDPOINT: counted,
      PLUGIN_TOKEN_URL: `${counted}/token`,
    });
    assert.equal(r.code, 1, r.output);
    assert.match(r.stderr, /^gcs-static-sync failed: 3 invalid settings:$/m);
    assert.match(
      r.stderr,
      /setting "source" \(PLUGIN_SOURCE\): folder ".*gss-input-no-such-folder" does not exist/,
    );
    assert.match(r.stderr, /setting "target" \(PLUGIN_TARGET\): expected/);
    assert.match(r.stderr, /setting "concurrency" \(PLUGIN_CONCURRENCY\): must be >= 1/);
    assert.equal(requests, 0);
  });

  it('the counting server does count: a valid step that lists asks it', async () => {
    const r = await child({
      PLUGIN_SOURCE: source({ 'index.html': 'home' }),
      PLUGIN_TARGET: 'some-bucket',
      PLUGIN_STORAGE_ENDPOINT: counted,
    });
    assert.equal(r.code, 1, r.output);
    assert.ok(requests > 0, 'a run that gets as far as the listing reaches the server');
  });
});
