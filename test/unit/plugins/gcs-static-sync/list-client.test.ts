// The listing client against a local HTTP server on 127.0.0.1 that answers as scripted:
// the real client, real sockets, real gzip; only Cloud Storage is played by the script.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { HttpError } from '../../../../common/errors.ts';
import { createListClient } from '../../../../plugins/gcs-static-sync/list-client.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('gcs-static-sync: listing client', () => {
  let server: Server;
  let endpoint: string;
  let script: Handler[] = [];
  let seen: IncomingMessage[] = [];
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  const json =
    (status: number, body: unknown): Handler =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      const next = script.shift();
      if (next) next(req, res);
      else json(500, { error: { message: 'no answer scripted' } })(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    script = [];
    seen = [];
    waits.length = 0;
  });

  const client = (token?: () => Promise<string>, retry = {}, env = {}) =>
    createListClient({ endpoint, bucket: 'my-bucket', token, retry, sleep, env });

  it('asks for one page with the query, the token and gzip, and reads a gzipped answer', async () => {
    script.push((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ items: [{ name: 'site/ä b.txt' }], nextPageToken: 't2' })));
    });
    const c = await client(async () => 'tok-123');
    try {
      const page = await c.page<{ items: { name: string }[]; nextPageToken: string }>({
        prefix: 'site/',
        delimiter: '/',
        pageToken: 't1',
        fields: 'items(name),nextPageToken',
      });
      assert.deepEqual(page, { items: [{ name: 'site/ä b.txt' }], nextPageToken: 't2' });
    } finally {
      c.close();
    }
    const req = seen[0] as IncomingMessage;
    const url = new URL(req.url ?? '', endpoint);
    assert.equal(url.pathname, '/storage/v1/b/my-bucket/o');
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      maxResults: '1000',
      projection: 'noAcl',
      prefix: 'site/',
      delimiter: '/',
      pageToken: 't1',
      fields: 'items(name),nextPageToken',
    });
    assert.equal(req.headers.authorization, 'Bearer tok-123');
    assert.equal(req.headers['accept-encoding'], 'gzip');
  });

  it('sends no credentials without a token, and no empty prefix', async () => {
    script.push(json(200, {}));
    const c = await client();
    await c.page({ prefix: '' }).finally(() => c.close());
    assert.equal(seen[0]?.headers.authorization, undefined);
    assert.equal(new URL(seen[0]?.url ?? '', endpoint).searchParams.has('prefix'), false);
  });

  it('retries 503, 429, a reset and a cut-short answer with backoff, then returns the page', async () => {
    script.push(
      json(503, { error: { message: 'Backend Error' } }),
      json(429, { error: { message: 'slow down' } }),
      (req) => req.socket.destroy(),
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"items": [');
      },
      json(200, { items: [{ name: 'a' }] }),
    );
    const c = await client(undefined, { retryDelayMultiplier: 2, maxRetryDelay: 32 });
    const page = await c.page<{ items: { name: string }[] }>({ prefix: '' }).finally(() => c.close());
    assert.deepEqual(page.items, [{ name: 'a' }]);
    assert.equal(seen.length, 5);
    assert.equal(waits.length, 4);
    for (const [i, w] of waits.entries())
      assert.ok(w >= 2 ** i * 1000 && w < 2 ** i * 1000 + 1000, `wait ${i}: ${w}`);
  });

  it('does not retry a 404, and says what the API said, with the status as code', async () => {
    script.push(json(404, { error: { code: 404, message: 'The specified bucket does not exist.' } }));
    const c = await client();
    const err = await c.page({ prefix: '' }).then(
      () => assert.fail('no error'),
      (e: unknown) => e,
    );
    c.close();
    assert.ok(err instanceof HttpError);
    assert.equal(err.status, 404);
    assert.equal(err.message, '404 The specified bucket does not exist.');
    assert.equal(seen.length, 1);
  });

  it('goes through HTTP_PROXY unless NO_PROXY names the host', async () => {
    // A forward proxy on 127.0.0.1 that answers itself: what reaches it is the absolute URL.
    const proxied: string[] = [];
    const proxy = createServer((req, res) => {
      proxied.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"items": [{"name": "via-proxy"}]}');
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const via = await client(undefined, {}, { HTTP_PROXY: proxyUrl });
      const page = await via.page<{ items: { name: string }[] }>({ prefix: 'p/' }).finally(() => via.close());
      assert.deepEqual(page.items, [{ name: 'via-proxy' }]);
      assert.equal(proxied.length, 1);
      assert.ok(proxied[0]?.startsWith(`${endpoint}storage/v1/b/my-bucket/o?`), proxied[0]);
      assert.equal(seen.length, 0, 'the server itself was not asked');

      script.push(json(200, { items: [{ name: 'direct' }] }));
      const direct = await client(
        undefined,
        {},
        { https_proxy: proxyUrl, NO_PROXY: 'example.com, 127.0.0.1' },
      );
      const page2 = await direct
        .page<{ items: { name: string }[] }>({ prefix: '' })
        .finally(() => direct.close());
      assert.deepEqual(page2.items, [{ name: 'direct' }]);
      assert.equal(proxied.length, 1);
    } finally {
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it('gives up after maxRetries with the last error', async () => {
    script.push(json(503, { error: { message: 'one' } }), json(502, { error: { message: 'two' } }));
    const c = await client(undefined, { maxRetries: 1 });
    await assert.rejects(
      c.page({ prefix: '' }).finally(() => c.close()),
      (e: unknown) => {
        assert.ok(e instanceof HttpError);
        assert.equal(e.status, 502);
        assert.match(e.message, /two/);
        return true;
      },
    );
    assert.equal(seen.length, 2);
  });
});
