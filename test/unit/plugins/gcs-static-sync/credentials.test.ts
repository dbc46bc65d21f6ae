import assert from 'node:assert/strict';
import { parseCredentials } from '../../../../plugins/gcs-static-sync/credentials.ts';

const key = JSON.stringify({
  type: 'service_account',
  project_id: 'p-123456',
  client_email: 'a@p-123456.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n',
});

describe('gcs-static-sync: parseCredentials', () => {
  it('accepts the JSON as is and base64-encoded (with line breaks), and returns the decoded JSON', () => {
    const raw = parseCredentials(key);
    assert.ok(raw.ok);
    assert.equal(raw.credentials.project_id, 'p-123456');
    const b64 = Buffer.from(key)
      .toString('base64')
      .replace(/(.{60})/g, '$1\n');
    const decoded = parseCredentials(b64);
    assert.ok(decoded.ok);
    assert.equal(decoded.json, key);
    assert.equal(decoded.credentials.client_email, 'a@p-123456.iam.gserviceaccount.com');
  });

  it('refuses what is not a credentials JSON, with messages that never quote the value', () => {
    const cases: [string, RegExp][] = [
      ['hunter2 is my password', /neither a credentials JSON nor base64/],
      [Buffer.from('hunter2-password').toString('base64'), /neither a credentials JSON nor base64/],
      ['{"type": "service_account", "private_key": "hunter2', /not valid JSON/],
      ['["hunter2"]', /neither a credentials JSON/],
      ['{"private_key": "hunter2"}', /no "type"/],
      ['{"type": "service_account", "private_key": "hunter2"}', /without "client_email"/],
    ];
    for (const [value, problem] of cases) {
      const r = parseCredentials(value);
      assert.ok(!r.ok, value);
      assert.match(r.problem, problem);
      assert.doesNotMatch(r.problem, /hunter2/);
    }
  });
});
