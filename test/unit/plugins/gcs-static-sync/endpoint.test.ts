import assert from 'node:assert/strict';
import { proxyFor, sendsCredentials, storageRoot } from '../../../../plugins/gcs-static-sync/endpoint.ts';

describe('gcs-static-sync: endpoints and proxies', () => {
  const google = new URL('https://storage.googleapis.com/');

  it('takes the proxy from HTTP(S)_PROXY in either case, the storage library order', () => {
    assert.equal(proxyFor(google, {}), undefined);
    assert.equal(proxyFor(google, { https_proxy: 'http://p:3128' }), 'http://p:3128');
    assert.equal(proxyFor(google, { HTTPS_PROXY: 'http://s:1', HTTP_PROXY: 'http://h:1' }), 'http://h:1');
  });

  it('NO_PROXY: exact host or origin and parent domains, as the storage library reads it', () => {
    const env = (NO_PROXY: string) => ({ HTTPS_PROXY: 'http://p:3128', NO_PROXY });
    assert.equal(proxyFor(google, env('storage.googleapis.com')), undefined);
    assert.equal(proxyFor(google, env('other.com, https://storage.googleapis.com')), undefined);
    assert.equal(proxyFor(google, env('.googleapis.com')), undefined);
    assert.equal(proxyFor(google, env('*.googleapis.com')), undefined);
    assert.equal(proxyFor(google, env('*')), 'http://p:3128', 'no wildcard for the library either');
    assert.equal(proxyFor(google, env('googleapis.co, example.com')), 'http://p:3128');
    assert.equal(
      proxyFor(google, { HTTPS_PROXY: 'http://p:3128', no_proxy: 'storage.googleapis.com' }),
      undefined,
    );
  });

  it('credentials only for Google endpoints; the root without a trailing slash', () => {
    assert.equal(sendsCredentials(undefined), true);
    assert.equal(sendsCredentials('https://storage.googleapis.com'), true);
    assert.equal(sendsCredentials('https://storage-eu.p.googleapis.com/'), true);
    assert.equal(sendsCredentials('http://127.0.0.1:4443'), false);
    assert.equal(sendsCredentials('https://googleapis.com.evil.example'), false);
    assert.equal(storageRoot(undefined), 'https://storage.googleapis.com');
    assert.equal(storageRoot('http://127.0.0.1:4443//'), 'http://127.0.0.1:4443');
  });
});
