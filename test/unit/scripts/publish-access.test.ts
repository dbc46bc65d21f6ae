// publish.ts hands podman the registry login in a private auth file, never on its command
// line (any process of the machine can read another's arguments).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { withAccessFlags } from '../../../scripts/images/publish.ts';

describe('scripts/images/publish.ts: registry access flags', () => {
  it('a login goes in an auth file of mode 0600, keyed by host[:port], removed afterwards', async () => {
    const password = 'pw-canary-7d41\n';
    let file = '';
    await withAccessFlags(
      { registry: '127.0.0.1:5000/drone-gke-plugins', username: 'releaser', password },
      async (flags) => {
        assert.equal(flags[0], '--authfile');
        file = flags[1]!;
        assert.ok(!flags.join(' ').includes('pw-canary'), flags.join(' '));
        assert.equal(statSync(file).mode & 0o777, 0o600);
        const auths = (JSON.parse(readFileSync(file, 'utf8')) as { auths: Record<string, { auth: string }> })
          .auths;
        assert.deepEqual(Object.keys(auths), ['127.0.0.1:5000']);
        assert.equal(Buffer.from(auths['127.0.0.1:5000']!.auth, 'base64').toString(), `releaser:${password}`);
      },
    );
    assert.equal(existsSync(file), false);
  });

  it('no login, no auth file; a CA folder still goes as --cert-dir', async () => {
    await withAccessFlags({ registry: 'docker.io/drone-gke-plugins', certDir: '/etc/ca' }, async (flags) => {
      assert.deepEqual(flags, ['--cert-dir', '/etc/ca']);
    });
  });

  it('removes the auth file when the push fails', async () => {
    let file = '';
    await assert.rejects(
      withAccessFlags({ registry: 'r.example/x', username: 'u', password: 'p' }, async (flags) => {
        file = flags[1]!;
        throw new Error('push refused');
      }),
      /push refused/,
    );
    assert.equal(existsSync(file), false);
  });
});
