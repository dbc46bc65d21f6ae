// The Cloud Storage half of the testbed: @google-cloud/storage (apiEndpoint override) against
// fake-gcs-server, directly and through the fault proxy.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { CRC32C, type GetFilesResponse, IdempotencyStrategy, Storage } from '@google-cloud/storage';
import { useTestbed } from '../../testbed/hooks.ts';
import { clearFaults, createBucket, faultStats, setFaults } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
const crc32c = (b: Buffer) => {
  const c = new CRC32C();
  c.update(b);
  return c.toString();
};

describe('testbed: Cloud Storage', function () {
  this.timeout(60_000);
  let state: TestbedState;
  let storage: Storage;
  /** Through the fault proxy, with fast retries that also cover non-idempotent uploads. */
  let proxied: Storage;

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
    storage = new Storage({ apiEndpoint: state.gcs.url, projectId: state.project.id });
    proxied = new Storage({
      apiEndpoint: state.gcs.proxyUrl,
      projectId: state.project.id,
      retryOptions: {
        autoRetry: true,
        maxRetries: 6,
        maxRetryDelay: 1,
        retryDelayMultiplier: 1,
        totalTimeout: 60,
        idempotencyStrategy: IdempotencyStrategy.RetryAlways,
      },
    });
  });

  afterEach(async () => {
    await clearFaults(state);
  });

  it('gives each test a fresh, empty bucket', async () => {
    const a = await createBucket(state, 'fresh');
    const b = await createBucket(state, 'fresh');
    assert.notEqual(a, b);
    const [files] = await storage.bucket(a).getFiles();
    assert.deepEqual(files, []);
  });

  it('uploads (simple) and reports md5Hash, crc32c, cacheControl, contentEncoding', async () => {
    const bucket = storage.bucket(await createBucket(state, 'simple'));
    const body = gzipSync(Buffer.from('<h1>hello testbed</h1>\n'.repeat(50)));
    const file = bucket.file('site/index.html');
    await file.save(body, {
      resumable: false,
      validation: 'md5',
      metadata: { contentType: 'text/html', cacheControl: 'public, max-age=300', contentEncoding: 'gzip' },
    });
    const [meta] = await file.getMetadata();
    assert.equal(meta.md5Hash, md5(body));
    assert.equal(meta.crc32c, crc32c(body));
    assert.equal(meta.cacheControl, 'public, max-age=300');
    assert.equal(meta.contentEncoding, 'gzip');
    assert.equal(meta.contentType, 'text/html');
    assert.equal(Number(meta.size), body.length);
  });

  it('uploads resumably in several chunks', async () => {
    const bucket = storage.bucket(await createBucket(state, 'resumable'));
    const body = randomBytes(3 * 1024 * 1024 + 123);
    const file = bucket.file('assets/big.bin');
    await file.save(body, {
      resumable: true,
      chunkSize: 1024 * 1024,
      metadata: { contentType: 'application/octet-stream' },
    });
    const [meta] = await file.getMetadata();
    assert.equal(meta.md5Hash, md5(body));
    assert.equal(meta.crc32c, crc32c(body));
    const [back] = await file.download();
    assert.ok(back.equals(body), 'downloaded bytes differ');
  });

  it('lists with pagination (maxResults + page tokens)', async () => {
    const bucket = storage.bucket(await createBucket(state, 'pages'));
    const names = ['a.txt', 'b.txt', 'c/d.txt', 'c/e.txt', 'f.txt'];
    await Promise.all(names.map((n) => bucket.file(n).save(Buffer.from(n), { resumable: false })));
    const seen: string[] = [];
    let pages = 0;
    let query: { maxResults: number; autoPaginate: false; pageToken?: string } | null = {
      maxResults: 2,
      autoPaginate: false,
    };
    while (query) {
      const res: GetFilesResponse = await bucket.getFiles(query);
      const files = res[0];
      const next = res[1] as { pageToken?: string } | null | undefined;
      pages += 1;
      assert.ok(files.length <= 2, `page of ${files.length}`);
      seen.push(...files.map((f) => f.name));
      query = next?.pageToken ? { pageToken: next.pageToken, maxResults: 2, autoPaginate: false } : null;
      assert.ok(pages < 10, 'pagination does not end');
    }
    assert.equal(pages, 3);
    assert.deepEqual([...seen].sort(), [...names].sort());
  });

  it('deletes objects', async () => {
    const bucket = storage.bucket(await createBucket(state, 'delete'));
    const file = bucket.file('gone.txt');
    await file.save('bye', { resumable: false });
    assert.deepEqual(await file.exists(), [true]);
    await file.delete();
    assert.deepEqual(await file.exists(), [false]);
  });

  it('through the proxy: the library retries past 503, 429 and a reset; the proxy counts them', async () => {
    const name = await createBucket(state, 'faults');
    await setFaults(state, { sequence: [503, 429, 'reset'] });
    const body = Buffer.from('survives faults\n');
    const file = proxied.bucket(name).file('retry.txt');
    await file.save(body, { resumable: false });
    const stats = await faultStats(state);
    assert.equal(stats.injected.total, 3);
    assert.deepEqual(
      stats.log.map((l) => l.fault),
      [503, 429, 'reset'],
    );
    assert.ok(stats.forwarded >= 1);
    const [meta] = await storage.bucket(name).file('retry.txt').getMetadata();
    assert.equal(meta.md5Hash, md5(body));
  });

  it('through the proxy: a resumable upload survives faults on its chunk PUTs', async () => {
    const name = await createBucket(state, 'resumable-faults');
    await setFaults(state, { sequence: [503, 'reset'], match: 'PUT ' });
    const body = randomBytes(2 * 1024 * 1024 + 7);
    await proxied
      .bucket(name)
      .file('big.bin')
      .save(body, { resumable: true, chunkSize: 1024 * 1024 });
    const stats = await faultStats(state);
    assert.equal(stats.injected.total, 2);
    assert.ok(
      stats.log.every((l) => l.request.startsWith('PUT /upload/storage/v1/b/')),
      JSON.stringify(stats.log),
    );
    const [back] = await storage.bucket(name).file('big.bin').download();
    assert.ok(back.equals(body), 'object differs after retried chunks');
  });

  it('through the proxy: without retries the fault reaches the caller', async () => {
    const name = await createBucket(state, 'no-retry');
    const noRetry = new Storage({
      apiEndpoint: state.gcs.proxyUrl,
      projectId: state.project.id,
      retryOptions: { autoRetry: false },
    });
    await setFaults(state, { sequence: [503] });
    await assert.rejects(
      noRetry.bucket(name).file('x.txt').save('x', { resumable: false }),
      (err: { code?: number }) => {
        assert.equal(err.code, 503);
        return true;
      },
    );
  });

  it('a seeded fault rate faults the same requests every time', async () => {
    const pattern = async () => {
      await setFaults(state, { rate: 0.4, kinds: [503, 429], seed: 42 });
      const out: number[] = [];
      for (let i = 0; i < 20; i++)
        out.push((await fetch(`${state.gcs.proxyUrl}/storage/v1/b?project=x`)).status);
      const stats = await faultStats(state);
      await clearFaults(state);
      return { out, injected: stats.injected.total };
    };
    const first = await pattern();
    const second = await pattern();
    assert.deepEqual(first.out, second.out);
    assert.ok(first.injected > 0 && first.injected < 20, `injected ${first.injected} of 20`);
    assert.equal(first.out.filter((s) => s !== 200).length, first.injected);
  });
});
