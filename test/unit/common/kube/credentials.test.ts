import assert from 'node:assert/strict';
import { SettingsError } from '../../../../common/errors.ts';
import { parseCredentials } from '../../../../common/gcp/credentials.ts';
import { Masker } from '../../../../common/mask.ts';

const key = JSON.stringify({
  type: 'service_account',
  project_id: 'my-project',
  private_key_id: 'kid-0123456789',
  private_key: '-----BEGIN PRIVATE KEY-----\nMIIEsecretline0123456789\n-----END PRIVATE KEY-----\n',
  client_email: 'deployer@my-project.iam.gserviceaccount.com',
});

describe('parseCredentials', () => {
  it('reads raw and base64 keys, and finds the project and principal', () => {
    for (const raw of [key, Buffer.from(key).toString('base64')]) {
      const c = parseCredentials(raw, new Masker());
      assert.equal(c.type, 'service_account');
      assert.equal(c.projectId, 'my-project');
      assert.equal(c.principal, 'deployer@my-project.iam.gserviceaccount.com');
    }
  });

  it('reads base64 wrapped over lines, and masks the decoded text as written', () => {
    const pretty = JSON.stringify(JSON.parse(key), null, 4);
    const wrapped = Buffer.from(pretty)
      .toString('base64')
      .replace(/(.{60})/g, '$1\n');
    const m = new Masker();
    const c = parseCredentials(wrapped, m);
    assert.equal(c.principal, 'deployer@my-project.iam.gserviceaccount.com');
    assert.equal(m.mask(pretty), '***');
  });

  it('refuses an array, a JSON without "type", and base64 of plain text, never quoting them', () => {
    const cases: [string, RegExp][] = [
      ['["hunter2"]', /neither a JSON credentials file nor base64/],
      ['{"type": "service_account", "private_key": "hunter2', /is not valid JSON \(the value is not shown/],
      ['{"private_key": "hunter2"}', /has "type": null/],
      [Buffer.from('hunter2-password').toString('base64'), /neither a JSON credentials file nor base64/],
      ['hunter2 is my password', /neither a JSON credentials file nor base64/],
    ];
    for (const [raw, problem] of cases)
      assert.throws(
        () => parseCredentials(raw, new Masker()),
        (err: Error) => problem.test(err.message) && !err.message.includes('hunter2'),
        raw,
      );
  });

  it('registers the decoded key with the masker (a base64 token decodes to a new secret form)', () => {
    const m = new Masker();
    parseCredentials(Buffer.from(key).toString('base64'), m);
    assert.equal(m.mask(key), '***');
    assert.equal(m.mask('MIIEsecretline0123456789'), '***');
  });

  it('fails with fixed wording that never quotes the value', () => {
    for (const raw of ['MIIEsecret=', 'bm90IGpzb24=']) {
      assert.throws(
        () => parseCredentials(raw, new Masker(), 'token', 'TOKEN'),
        (err: SettingsError) =>
          err instanceof SettingsError &&
          /^invalid setting:\n {2}- setting "token" \(TOKEN\): is neither a JSON credentials file nor base64 of one/.test(
            err.message,
          ) &&
          !err.message.includes('MIIE'),
      );
    }
  });

  it('explains a wrong type or an incomplete service-account key', () => {
    assert.throws(
      () => parseCredentials('{"type":"user"}', new Masker()),
      /has "type": "user"; expected a service_account key or an external_account/,
    );
    assert.throws(
      () => parseCredentials('{"type":"service_account"}', new Masker()),
      /without private_key or client_email/,
    );
  });

  it('reads an external_account config', () => {
    const c = parseCredentials(
      JSON.stringify({
        type: 'external_account',
        audience: '//iam.googleapis.com/x',
        token_url: 'https://sts',
      }),
      new Masker(),
    );
    assert.equal(c.type, 'external_account');
    assert.equal(c.principal, '//iam.googleapis.com/x');
    assert.equal(c.projectId, undefined);
  });
});
