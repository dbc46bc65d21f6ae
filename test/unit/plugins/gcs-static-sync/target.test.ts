import assert from 'node:assert/strict';
import { parseBucketTarget } from '../../../../plugins/gcs-static-sync/target.ts';

describe('gcs-static-sync: parseBucketTarget', () => {
  const ok = (text: string) => {
    const r = parseBucketTarget(text);
    assert.ok(r.ok, `${text}: ${r.ok ? '' : r.problem}`);
    return r.target;
  };
  const bad = (text: string) => {
    const r = parseBucketTarget(text);
    assert.ok(!r.ok, `${text} should be refused`);
    return r.problem;
  };

  it('reads bucket and prefix, with or without gs:// and trailing slashes', () => {
    assert.deepEqual(ok('my-assets'), { bucket: 'my-assets', prefix: '' });
    assert.deepEqual(ok('gs://my-assets/'), { bucket: 'my-assets', prefix: '' });
    assert.deepEqual(ok('my-assets/static'), { bucket: 'my-assets', prefix: 'static/' });
    assert.deepEqual(ok('gs://my-assets/static/v1//'), { bucket: 'my-assets', prefix: 'static/v1/' });
    assert.deepEqual(ok('assets.example.com/a b/ü'), { bucket: 'assets.example.com', prefix: 'a b/ü/' });
  });

  it('applies the bucket naming rules', () => {
    assert.match(bad('ab'), /3 to 63 characters/);
    assert.match(bad('a'.repeat(64)), /3 to 63 characters/);
    assert.match(bad('My-Assets'), /lower-case/);
    assert.match(bad('-assets'), /start and end with a letter or digit/);
    assert.match(bad('assets..x'), /dot-separated part/);
    assert.match(bad('192.168.1.1'), /IP address/);
    assert.match(bad('goog-assets'), /goog/);
    assert.match(bad('my-google-assets'), /google/);
    assert.match(bad('/static'), /bucket name is missing/);
  });

  it('refuses prefixes that cannot be folder names', () => {
    assert.match(bad('assets/a//b'), /empty folder name/);
    assert.match(bad('assets/../x'), /"\." or "\.\."/);
    assert.match(bad('assets/a\nb'), /control characters/);
    assert.match(bad(`assets/${'x'.repeat(600)}`), /512 bytes/);
  });
});
