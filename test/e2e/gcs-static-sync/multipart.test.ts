// Small files go up in one multipart request each, over the plugin's own keep-alive
// connections (multipart.ts), against the testbed's fake-gcs-server (which checks the MD5 a
// resource carries, as Cloud Storage does) and its fault proxy: a wrong MD5 is refused and
// not retried; 503s and resets are retried; the metadata is stored; files over 4 MiB still go
// through the storage library's resumable uploads.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { HttpError } from '../../../common/errors.ts';
import {
  createMultipartUploader,
  type MultipartUploader,
} from '../../../plugins/gcs-static-sync/multipart.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import { clearFaults, createBucket, faultStats, setFaults } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  assertStoredAsSource,
  FAST_RETRY,
  makeSource,
  readBucket,
  readObject,
  removeBucket,
  removeSource,
  runSync,
  syncEnv,
} from './helpers.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');

describe('gcs-static-sync e2e: multipart uploads of small files', function () {
  this.timeout(120_000);
  let state: TestbedState;
  let bucket: string;
  let uploader: MultipartUploader;
  const waits: number[] = [];

  before(async function () {
    this.timeout(30 * 60_000);
    state = await useTestbed();
    bucket = await createBucket(state, 'gss-multipart');
    // Through the fault proxy, so that each request is seen (and can be faulted).
    uploader = await createMultipartUploader({
      endpoint: state.gcs.proxyUrl,
      bucket,
      token: undefined,
      retry: FAST_RETRY,
      sleep: async (ms) => {
        waits.push(ms);
      },
      env: {},
      maxSockets: 4,
    });
  });
  beforeEach(async () => {
    waits.length = 0;
    await clearFaults(state);
  });
  after(async () => {
    uploader.close();
    await clearFaults(state);
    await removeBucket(state, bucket);
  });

  it('a body whose MD5 is not the one sent is refused (400), not retried, and nothing is stored', async () => {
    const body = Buffer.from('the bytes sent');
    const wrong = md5(Buffer.from('other bytes'));
    await assert.rejects(
      uploader.upload({ name: 'bad.txt', contentType: 'text/plain', metadata: {}, md5Hash: wrong }, body),
      (err: unknown) => err instanceof HttpError && err.status === 400 && /MD5/i.test(err.message),
    );
    assert.equal((await faultStats(state)).requests, 1, 'one request: a 400 is final');
    assert.ok(!(await readBucket(state, bucket)).has('bad.txt'));
  });

  it('503s and connection resets are retried with backoff, and the object is stored once, whole', async () => {
    await setFaults(state, { sequence: [503, 'reset', 503], match: 'uploadType=multipart' });
    const body = randomBytes(3000);
    await uploader.upload(
      { name: 'dir/retried.bin', contentType: 'application/octet-stream', metadata: {}, md5Hash: md5(body) },
      body,
    );
    const stats = await faultStats(state);
    assert.equal(stats.injected.total, 3);
    assert.equal(stats.requests, 4);
    assert.equal(waits.length, 3, 'a backoff before each retry');
    assert.ok((await readObject(state, bucket, 'dir/retried.bin')).equals(body));
  });

  it('stores gzip-encoded bytes with their encoding, type, cache control and metadata', async () => {
    const source = Buffer.from('console.log("hello");\n'.repeat(50));
    const body = gzipSync(source);
    const resource = {
      name: 'app é.js',
      contentType: 'text/javascript; charset=utf-8',
      cacheControl: 'public, max-age=60',
      contentEncoding: 'gzip',
      metadata: { 'source-md5': md5(source), owner: 'team a' },
      md5Hash: md5(body),
    };
    await uploader.upload(resource, body);
    const o = (await readBucket(state, bucket)).get('app é.js');
    assert.ok(o);
    assert.deepEqual(
      [o.contentType, o.cacheControl, o.contentEncoding, o.md5Hash, o.size],
      [resource.contentType, resource.cacheControl, 'gzip', md5(body), body.length],
    );
    assert.deepEqual(o.metadata, resource.metadata);
    assert.ok((await readObject(state, bucket, 'app é.js')).equals(body), 'stored as sent, compressed');
  });

  it('through the bundle: files over 4 MiB still go up as resumable uploads, small ones as multipart', async () => {
    const target = await createBucket(state, 'gss-mixed');
    const src = makeSource({ 'big.bin': randomBytes(5 * 1024 * 1024 + 1), 'small.js': 'export {};\n' });
    try {
      // A 503 on the first request of each upload: the log shows which kind carried which file.
      await setFaults(state, { sequence: [503, 503], match: 'uploadType=' });
      const r = await runSync(state, syncEnv(state, src, target, { PLUGIN_GZIP: 'js' }, 'proxy'));
      assert.equal(r.code, 0, r.output);
      const kinds = (await faultStats(state)).log.map(({ request }) => {
        const q = new URL(request.split(' ')[1] ?? '', 'http://x').searchParams;
        return `${q.get('name')} ${q.get('uploadType')}`;
      });
      assert.deepEqual(kinds.sort(), ['big.bin resumable', 'small.js multipart']);
      await assertStoredAsSource(state, target, src, ['big.bin'], false);
      await assertStoredAsSource(state, target, src, ['small.js'], true);
    } finally {
      removeSource(src);
      await removeBucket(state, target);
    }
  });
});
