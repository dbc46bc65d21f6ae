import assert from 'node:assert/strict';
import { Masker } from '../../../common/mask.ts';
import { findLeaks } from '../../helpers/canary.ts';

const PEM = [
  '-----BEGIN PRIVATE KEY-----',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
  'qJd9xV3kTQ2Jm0q8pX0aF4b1cD2eF3gH4iJ5kL6mN7oP8qR9sT0u',
  '-----END PRIVATE KEY-----',
  '',
].join('\n');
const SA_KEY = JSON.stringify({
  type: 'service_account',
  project_id: 'my-project',
  private_key_id: 'abcdef0123456789abcdef0123456789',
  private_key: PEM,
  client_email: 'deployer@my-project.iam.gserviceaccount.com',
});

describe('Masker', () => {
  const masker = new Masker();
  masker.add('s3cr3t-t0ken-value');
  masker.add(SA_KEY);

  it('masks a secret as is', () => {
    assert.equal(masker.mask('Authorization: Bearer s3cr3t-t0ken-value.'), 'Authorization: Bearer ***.');
  });

  it('masks the base64 form, standard and URL-safe, padded or not', () => {
    const b64 = Buffer.from('s3cr3t-t0ken-value').toString('base64');
    assert.equal(masker.mask(`x ${b64} y`), 'x *** y');
    assert.equal(masker.mask(Buffer.from('s3cr3t-t0ken-value').toString('base64url')), '***');
  });

  it('masks a secret inside a longer base64 text (a kubeconfig encoded whole), at any alignment', () => {
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const blob = Buffer.from(`token: ${prefix}s3cr3t-t0ken-value\nnext: line`).toString('base64');
      assert.deepEqual(findLeaks(blob, ['s3cr3t-t0ken-value']).length > 0, true, 'the oracle sees the leak');
      assert.deepEqual(
        findLeaks(masker.mask(blob), ['s3cr3t-t0ken-value']),
        [],
        `prefix ${JSON.stringify(prefix)}`,
      );
    }
  });

  it('masks the JSON-escaped form of a multi-line secret', () => {
    const line = `{"key":${JSON.stringify(PEM)}}`;
    assert.doesNotMatch(masker.mask(line), /MIIEvQ|qJd9xV/);
  });

  it('masks the URL-encoded form', () => {
    masker.add('p@ss word/+=');
    assert.equal(masker.mask(`https://x/?t=${encodeURIComponent('p@ss word/+=')}`), 'https://x/?t=***');
    assert.equal(masker.mask('t=p%40ss+word%2F%2B%3D'), 't=***');
  });

  it('masks a PEM key inside a service-account JSON line by line, also once parsed', () => {
    assert.equal(masker.mask(`key is:\n${PEM}`), 'key is:\n***');
    const lines = PEM.split('\n');
    assert.equal(masker.mask(`${lines[1]} and ${lines[2]}`), '*** and ***');
    assert.equal(
      masker.mask(lines[0] as string),
      '-----BEGIN PRIVATE KEY-----',
      'armour lines stay readable',
    );
    assert.equal(masker.mask('kid abcdef0123456789abcdef0123456789'), 'kid ***');
  });

  it('leaves the non-secret fields of a key readable', () => {
    assert.equal(
      masker.mask('project my-project as deployer@my-project.iam.gserviceaccount.com'),
      'project my-project as deployer@my-project.iam.gserviceaccount.com',
    );
  });

  it('masks the whole secret before its parts', () => {
    assert.equal(masker.mask(SA_KEY), '***');
  });

  it('ignores empty and very short values, which would shred every line', () => {
    const m = new Masker();
    m.add('');
    m.add('ab');
    m.add(undefined);
    assert.equal(m.size, 0);
    assert.equal(m.mask('about a b'), 'about a b');
  });

  it('masks secrets with regular-expression characters, every occurrence, and overlapping ones whole', () => {
    const m = new Masker();
    m.add('a.b*c(d)+[e]$');
    m.add('pass-word-1234');
    m.add('word-1234-tail');
    assert.equal(m.mask('x a.b*c(d)+[e]$ y a.b*c(d)+[e]$'), 'x *** y ***');
    assert.equal(m.mask('axbxcxdxe'), 'axbxcxdxe');
    // Both secrets overlap in "word-1234": neither part of either survives.
    assert.doesNotMatch(m.mask('pass-word-1234-tail'), /pass|tail|1234/);
  });

  it('says whether a text holds a secret', () => {
    assert.equal(masker.contains('--token=s3cr3t-t0ken-value'), true);
    assert.equal(masker.contains('--token=nothing'), false);
  });
});
