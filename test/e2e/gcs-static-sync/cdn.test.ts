// CDN invalidation, through the bundle. The testbed hosts no Compute API, so this test starts
// a small local HTTP endpoint in its place (the only stand-in here) and records what the
// plugin sends. The access token is real: google-auth-library signs a JWT with the testbed's
// service-account key and gets the token from the testbed's OAuth endpoint (over HTTPS, its
// CA trusted through NODE_EXTRA_CA_CERTS). Retries wait for real (1–2 s, then 2–3 s: retry.ts).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { useTestbed } from '../../testbed/hooks.ts';
import { createBucket } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import { makeSource, removeSource, runSync, syncEnv } from './helpers.ts';

interface Recorded {
  method: string;
  url: string;
  authorization: string;
  contentType: string;
  body: unknown;
}

describe('gcs-static-sync e2e: CDN invalidation', function () {
  this.timeout(60_000);
  let state: TestbedState;
  let server: Server;
  let endpoint: string;
  const recorded: Recorded[] = [];
  /** Status codes to answer with, in order; 200 with an Operation once empty. */
  const answers: number[] = [];
  const dirs: string[] = [];

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        recorded.push({
          method: req.method ?? '',
          url: req.url ?? '',
          authorization: req.headers.authorization ?? '',
          contentType: req.headers['content-type'] ?? '',
          body: text ? JSON.parse(text) : undefined,
        });
        const status = answers.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            status === 200
              ? { kind: 'compute#operation', name: `operation-${recorded.length}`, status: 'DONE' }
              : {
                  error: {
                    code: status,
                    message:
                      status === 403
                        ? 'Required permission compute.urlMaps.invalidateCache'
                        : 'Backend Error',
                  },
                },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    recorded.length = 0;
    answers.length = 0;
  });
  after(async () => {
    for (const d of dirs) removeSource(d);
    await new Promise((resolve) => server.close(resolve));
  });

  const site = () => {
    const files: Record<string, string> = { 'index.html': 'home', 'docs/index.html': 'docs' };
    for (let i = 0; i < 30; i++) files[`static/app/chunk-${i}.js`] = `chunk ${i}`;
    const dir = makeSource(files);
    dirs.push(dir);
    return dir;
  };
  const PATH = '/compute/v1/projects/testbed-project/global/urlMaps/assets-map/invalidateCache';

  it('sends one invalidateCache request per collapsed path, with the real access token', async () => {
    const bucket = await createBucket(state, 'gss-cdn');
    const r = await runSync(
      state,
      syncEnv(state, site(), `${bucket}/site`, {
        PLUGIN_CDN_INVALIDATE: JSON.stringify({ url_map: 'assets-map', host: 'cdn.example.com' }),
        PLUGIN_COMPUTE_ENDPOINT: endpoint,
      }),
    );
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(
      recorded.map((q) => [q.method, q.url, q.contentType]),
      recorded.map(() => ['POST', PATH, 'application/json']),
    );
    for (const q of recorded) assert.equal(q.authorization, `Bearer ${state.token}`);
    assert.deepEqual(
      recorded.map((q) => q.body),
      ['/site/', '/site/docs/', '/site/docs/index.html', '/site/index.html', '/site/static/app/*'].map(
        (path) => ({
          path,
          host: 'cdn.example.com',
        }),
      ),
    );
    assert.match(
      r.output,
      /^invalidated \/site\/static\/app\/\* on cdn\.example\.com \(operation operation-5\)$/m,
    );

    // Nothing changed: no request. One file changed: that path alone.
    recorded.length = 0;
    const again = site();
    const env = syncEnv(state, again, `${bucket}/site`, {
      PLUGIN_CDN_INVALIDATE: 'assets-map',
      PLUGIN_COMPUTE_ENDPOINT: endpoint,
    });
    const same = await runSync(state, env);
    assert.equal(same.code, 0, same.output);
    assert.match(same.output, /nothing changed: no invalidation/);
    assert.equal(recorded.length, 0);
    writeFileSync(join(again, 'static/app/chunk-3.js'), 'chunk 3 v2');
    const one = await runSync(state, env);
    assert.equal(one.code, 0, one.output);
    assert.deepEqual(
      recorded.map((q) => q.body),
      [{ path: '/site/static/app/chunk-3.js' }],
    );
  });

  it('explicit paths are sent as given; a dry run sends none', async () => {
    const bucket = await createBucket(state, 'gss-cdn-paths');
    const env = syncEnv(state, site(), bucket, {
      PLUGIN_CDN_INVALIDATE: JSON.stringify({ url_map: 'assets-map', paths: ['/*'] }),
      PLUGIN_COMPUTE_ENDPOINT: endpoint,
    });
    const dry = await runSync(state, { ...env, PLUGIN_DRY_RUN: 'true' });
    assert.equal(dry.code, 0, dry.output);
    assert.match(dry.output, /^would invalidate \/\*$/m);
    assert.equal(recorded.length, 0);
    const r = await runSync(state, env);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(
      recorded.map((q) => q.body),
      [{ path: '/*' }],
    );
  });

  it('retries 503 and 429; a 403 fails the run with the API message, after the sync', async () => {
    const bucket = await createBucket(state, 'gss-cdn-errors');
    const env = syncEnv(state, site(), bucket, {
      PLUGIN_CDN_INVALIDATE: JSON.stringify({ url_map: 'assets-map', paths: ['/a', '/b'] }),
      PLUGIN_COMPUTE_ENDPOINT: endpoint,
    });
    answers.push(503, 429);
    const retried = await runSync(state, env);
    assert.equal(retried.code, 0, retried.output);
    assert.equal(recorded.length, 4, 'two retries of /a, then /b');

    recorded.length = 0;
    answers.push(403);
    const denied = await runSync(state, { ...env, PLUGIN_CACHE_CONTROL: 'max-age=1' });
    assert.equal(denied.code, 1, denied.output);
    assert.match(
      denied.stderr,
      /^CDN invalidation of \/a failed: HTTP 403: Required permission compute\.urlMaps\.invalidateCache$/m,
    );
    assert.match(
      denied.stderr,
      /^gcs-static-sync failed: CDN invalidation failed for 1 of 2 paths on URL map "assets-map"/m,
    );
    assert.equal(recorded.length, 2, 'a 403 is not retried; /b is still sent');
    assert.match(denied.stdout, /^metadata updated: +32 files/m);
  });
});
