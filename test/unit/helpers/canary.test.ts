// The canary helper must be able to fail: each way a secret can leak is shown to it here.
import assert from 'node:assert/strict';
import { findLeaks, makeCanaries, serviceAccountShape } from '../../helpers/canary.ts';

describe('canary helper', () => {
  const secret = serviceAccountShape('canarytoken0123456789');
  const key = JSON.parse(secret) as { private_key: string };
  const pemLine = key.private_key.split('\n')[1] as string;

  const leaks: [string, string][] = [
    ['as is', `token: ${secret}`],
    ['one line of the PEM key', `oops ${pemLine}`],
    ['base64 whole', Buffer.from(secret).toString('base64')],
    ['base64 inside a longer blob', Buffer.from(`kubeconfig:\n  token: x${secret}\n`).toString('base64')],
    ['base64url', Buffer.from(secret).toString('base64url')],
    ['JSON-escaped', JSON.stringify({ key: secret })],
    ['URL-encoded', `https://x/?k=${encodeURIComponent(secret)}`],
    ['form-encoded', new URLSearchParams({ k: secret }).toString()],
  ];
  for (const [how, output] of leaks) {
    it(`finds a leak ${how}`, () => {
      assert.notDeepEqual(findLeaks(output, [secret]), []);
    });
  }

  it('finds nothing in clean output that mentions the non-secret fields', () => {
    assert.deepEqual(
      findLeaks('deploying as deployer@canary-project.iam.gserviceaccount.com ***', [secret]),
      [],
    );
  });

  it('makes one unique canary per secret setting, shaped as asked', () => {
    const schema = {
      plugin: 'x',
      description: 'x',
      properties: {
        token: { type: 'string', secret: true, description: 't' },
        webhook: { type: 'string', secret: true, description: 'w' },
        name: { type: 'string', description: 'n' },
      },
    } as const;
    const c = makeCanaries(schema, { webhook: (v) => `https://hooks.example/${v}` });
    assert.deepEqual(Object.keys(c.env).sort(), ['PLUGIN_TOKEN', 'PLUGIN_WEBHOOK']);
    assert.match(c.env.PLUGIN_WEBHOOK as string, /^https:\/\/hooks\.example\/canarywebhook[0-9a-f]{18}$/);
    assert.notEqual(makeCanaries(schema).env.PLUGIN_TOKEN, makeCanaries(schema).env.PLUGIN_TOKEN);
  });
});
