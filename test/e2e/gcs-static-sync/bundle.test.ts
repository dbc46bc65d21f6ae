// The bundle with a base64 token and a real access token for the CDN call, its failure
// messages, and the secret canaries on success and failure paths. Like every gcs-static-sync
// e2e test it runs the bundle as the image does (runSync in helpers.ts).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { hashThreadCount } from '../../../plugins/gcs-static-sync/hash/prestart.ts';
import { schema } from '../../../plugins/gcs-static-sync/schema.ts';
import { assertNoLeaks, makeCanaries, serviceAccountShape } from '../../helpers/canary.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import { createBucket } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  makeSource,
  readBucket,
  removeSource,
  runSync,
  serviceAccountKey,
  summaryLine,
  syncEnv,
} from './helpers.ts';

describe('gcs-static-sync e2e: the bundle, and secret canaries', function () {
  this.timeout(120_000);
  let state: TestbedState;
  let src: string;
  let server: Server;
  let compute: string;
  let status = 200;
  let requests = 0;

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
    src = makeSource({ 'index.html': 'home', 'static/app.js': 'app', 'static/app.css': 'css' });
    server = createServer((req, res) => {
      requests += 1;
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          status === 200 ? { name: 'operation-1' } : { error: { code: status, message: 'denied' } },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    compute = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    status = 200;
    requests = 0;
  });
  after(async () => {
    removeSource(src);
    await new Promise((resolve) => server.close(resolve));
  });

  const child = (env: Record<string, string>) => runSync(state, env);

  it('syncs with a base64 token, gets a real access token for the CDN call, and prints no secret', async () => {
    const bucket = await createBucket(state, 'gss-bundle');
    const key = serviceAccountKey(state);
    const b64 = Buffer.from(key).toString('base64');
    const env = {
      ...syncEnv(state, src, bucket, {
        PLUGIN_CDN_INVALIDATE: 'assets-map',
        PLUGIN_COMPUTE_ENDPOINT: compute,
        PLUGIN_DEBUG: 'true',
      }),
      PLUGIN_TOKEN: b64,
    };
    const r = await child(env);
    assert.equal(r.code, 0, r.output);
    assert.match(summaryLine(r.stdout, 'uploaded'), /^3 files/);
    assert.equal(requests, 4, 'four invalidations: three files and the folder URL of index.html');
    assert.equal((await readBucket(state, bucket)).size, 3);
    // The hashing workers booted while the plugin loaded (hash/prestart.ts): the bundle
    // finds their entry from the chunk that starts them.
    const early = hashThreadCount() - 1;
    assert.match(
      r.stdout,
      new RegExp(`and ${early} workers, ${early} of them started before the plugin loaded`),
    );
    assertNoLeaks(r.output, [key, b64]);
  });

  it('failure paths print no secret: a refused CDN call, a missing bucket', async () => {
    const key = serviceAccountKey(state);
    status = 403;
    const bucket = await createBucket(state, 'gss-bundle-fail');
    const denied = await child(
      syncEnv(state, src, bucket, { PLUGIN_CDN_INVALIDATE: 'assets-map', PLUGIN_COMPUTE_ENDPOINT: compute }),
    );
    assert.equal(denied.code, 1, denied.output);
    assert.match(denied.stderr, /^gcs-static-sync failed: CDN invalidation failed for 4 of 4 paths/m);
    assertNoLeaks(denied.output, [key]);
    const missing = await child(syncEnv(state, src, 'no-such-bucket-gss'));
    assert.equal(missing.code, 1, missing.output);
    assert.match(
      missing.stderr,
      /^gcs-static-sync failed: listing gs:\/\/no-such-bucket-gss\/ failed: not found/m,
    );
    assertNoLeaks(missing.output, [key]);
  });

  it('a missing source folder and an invalid target are clear errors', async () => {
    const r = await child(syncEnv(state, join(src, 'no-such-dir'), 'goog-bucket/x'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^gcs-static-sync failed: 2 invalid settings:$/m);
    assert.match(r.stderr, /setting "source" \(PLUGIN_SOURCE\): folder ".*no-such-dir" does not exist/);
    assert.match(
      r.stderr,
      /setting "target" \(PLUGIN_TARGET\): bucket "goog-bucket" must not start with "goog"/,
    );
    assert.match(r.stderr, /run with --help/);
  });

  describe('canary token (a service-account key whose private key lines carry the canary)', () => {
    const canaries = makeCanaries(schema, { token: serviceAccountShape });

    it('success path: a sync that never needs the token prints no canary', async () => {
      const bucket = await createBucket(state, 'gss-canary-ok');
      const r = await child({ ...syncEnv(state, src, bucket), ...canaries.env, PLUGIN_DEBUG: 'true' });
      assert.equal(r.code, 0, r.output);
      assertNoLeaks(r.output, canaries.secrets);
    });

    it('failure path: the token cannot sign (CDN), prints no canary', async () => {
      const bucket = await createBucket(state, 'gss-canary-fail');
      const env = {
        ...syncEnv(state, src, bucket, {
          PLUGIN_CDN_INVALIDATE: '{"url_map": "assets-map", "paths": ["/*"]}',
          PLUGIN_COMPUTE_ENDPOINT: compute,
        }),
        ...canaries.env,
        PLUGIN_TOKEN: Buffer.from(canaries.env.PLUGIN_TOKEN as string).toString('base64'),
      };
      const secrets = [...canaries.secrets, env.PLUGIN_TOKEN];
      const r = await child({ ...env, PLUGIN_DEBUG: 'true' });
      assert.equal(r.code, 1, r.output);
      assert.match(r.stderr, /could not get an access token for the Compute API: /);
      assertNoLeaks(r.output, secrets);
      assert.equal(requests, 0, 'no request without a token');
    });
  });
});
