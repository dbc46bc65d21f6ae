import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { resolveClusters, stepNamespace } from '../../../../common/kube/access.ts';
import { renderKubeconfig } from '../../../../common/kube/kubeconfig.ts';
import { mapNamespace } from '../../../../common/kube/target.ts';
import { createLogger, memorySink } from '../../../../common/log.ts';
import { createSecretFiles } from '../../../../common/secret-file.ts';

const source = (k: string) => `PLUGIN_${k.toUpperCase()}`;
const deps = () => ({
  log: createLogger({ sink: memorySink() }),
  secretFiles: createSecretFiles(),
});

describe('cluster access without GKE', () => {
  it('writes a 0600 kubeconfig for kube_server + kube_token, with the CA', async () => {
    const d = deps();
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const {
      targets: [t],
    } = await resolveClusters(
      {
        namespace: 'Feature/Login',
        kube_server: 'https://10.0.0.1:6443',
        kube_token: 'tok-123456',
        kube_ca: Buffer.from(ca).toString('base64'),
      },
      source,
      d,
    );
    assert.ok(t);
    assert.equal(t.namespace, 'feature-login');
    assert.equal(t.id, '10.0.0.1:6443');
    const cfg = parse(readFileSync(t.kubeconfig, 'utf8'));
    assert.equal(cfg.clusters[0].cluster.server, 'https://10.0.0.1:6443');
    assert.equal(
      Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString().trim(),
      ca.trim(),
    );
    assert.equal(cfg.users[0].user.token, 'tok-123456');
    assert.equal(cfg.contexts[0].context.namespace, 'feature-login');
    const { statSync } = await import('node:fs');
    assert.equal(statSync(t.kubeconfig).mode & 0o777, 0o600);
    d.secretFiles.cleanup();
  });

  it('uses the current context of a given kubeconfig, base64 or not, and masks it', async () => {
    const d = deps();
    const kc =
      'apiVersion: v1\nkind: Config\ncurrent-context: prod\ncontexts:\n- name: prod\n  context: {cluster: c1, user: u1}\nclusters:\n- name: c1\n  cluster: {server: "https://k8s.example:443"}\nusers:\n- name: u1\n  user: {token: secret-kube-token-99}\n';
    const {
      targets: [t],
    } = await resolveClusters(
      { namespace: 'default', kubeconfig: Buffer.from(kc).toString('base64') },
      source,
      d,
    );
    assert.equal(t?.context, 'prod');
    assert.equal(t?.server, 'https://k8s.example:443');
    assert.equal(d.log.masker.mask('token: secret-kube-token-99'), 'token: ***');
    d.secretFiles.cleanup();
  });
});

describe('the namespace with a kubeconfig', () => {
  const kc = (ns?: string) =>
    `apiVersion: v1\nkind: Config\ncurrent-context: prod\ncontexts:\n- name: prod\n  context: {cluster: c1, user: u1${ns ? `, namespace: ${ns}` : ''}}\nclusters:\n- name: c1\n  cluster: {server: "https://k8s.example:443"}\nusers:\n- name: u1\n  user: {token: secret-kube-token-99}\n`;
  const namespaceOf = async (s: { kubeconfig: string; namespace?: string }) => {
    const d = deps();
    const { targets } = await resolveClusters(s, source, d);
    d.secretFiles.cleanup();
    return targets[0]?.namespace;
  };

  it("is the current context's own when namespace is not set", async () => {
    assert.equal(await namespaceOf({ kubeconfig: kc('team-a') }), 'team-a');
    assert.equal(await namespaceOf({ kubeconfig: Buffer.from(kc('team-a')).toString('base64') }), 'team-a');
    assert.equal(stepNamespace({ kubeconfig: kc('team-a') }, source), 'team-a');
  });

  it('is namespace when it is set, and default when neither says', async () => {
    assert.equal(await namespaceOf({ kubeconfig: kc('team-a'), namespace: 'Web' }), 'web');
    assert.equal(await namespaceOf({ kubeconfig: kc() }), 'default');
    assert.equal(stepNamespace({}, source), 'default');
  });
});

describe('kubeconfig for GKE', () => {
  it('points kubectl at the token file the plugin keeps fresh', () => {
    const cfg = parse(
      renderKubeconfig({
        context: 'gke_p_us-central1_web',
        server: 'https://1.2.3.4',
        caPem: 'PEM',
        namespace: 'prod',
        user: { kind: 'tokenFile', file: '/tmp/x/gke-token' },
      }),
    );
    assert.deepEqual(cfg.users[0].user, { tokenFile: '/tmp/x/gke-token' });
    assert.equal(cfg['current-context'], 'gke_p_us-central1_web');
    assert.equal(
      Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
      'PEM',
    );
  });
});

describe('startTokenRefresh', () => {
  it('writes the token 0600, replaces it when google-auth-library hands out a new one, and masks it', async () => {
    const { mkdtempSync, readFileSync, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { startTokenRefresh } = await import('../../../../common/kube/token-file.ts');
    const file = join(mkdtempSync(join(tmpdir(), 'tok-')), 'gke-token');
    const log = createLogger({ sink: memorySink() });
    const tokens = ['ya29.second-token-abcdef', 'ya29.second-token-abcdef'];
    const r = startTokenRefresh({
      file,
      first: { token: 'ya29.first-token-123456', expiresAt: undefined },
      getToken: async () => ({ token: tokens.shift() ?? 'ya29.third', expiresAt: undefined }),
      log,
      intervalMs: 3_600_000,
    });
    assert.equal(readFileSync(file, 'utf8'), 'ya29.first-token-123456');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await r.refresh();
    assert.equal(readFileSync(file, 'utf8'), 'ya29.second-token-abcdef');
    assert.equal(log.masker.mask('Bearer ya29.second-token-abcdef'), 'Bearer ***');
    r.stop();
  });
});

describe('mapNamespace', () => {
  it('lowercases and turns every run of other characters into one -', () => {
    assert.deepEqual(mapNamespace('Feature/JIRA-123_login'), {
      ok: true,
      namespace: 'feature-jira-123-login',
    });
    assert.deepEqual(mapNamespace('web'), { ok: true, namespace: 'web' });
    assert.deepEqual(mapNamespace('a'.repeat(63)), { ok: true, namespace: 'a'.repeat(63) });
  });

  it('never cuts a long name to 63 characters: it is a problem that says so', () => {
    const long = `team-${'x'.repeat(69)}`;
    assert.equal(long.length, 74);
    assert.deepEqual(mapNamespace(long), {
      ok: false,
      problem: `"${long}" is 74 characters; a namespace has at most 63: shorten it`,
    });
    assert.match(
      (mapNamespace(`Team_${'x'.repeat(69)}`) as { problem: string }).problem,
      /^"Team_x+" \(mapped to "team-x+"\) is 74 characters/,
    );
  });

  it('never trims: a name that does not start and end with a letter or digit is a problem', () => {
    for (const bad of ['--x--', '_web', 'web/', '!!!', '-', 'a..b.']) {
      const r = mapNamespace(bad);
      assert.equal(r.ok, false, bad);
      assert.match(
        (r as { problem: string }).problem,
        /is not a valid namespace: it must start and end with a letter or digit/,
      );
    }
    assert.match(
      (mapNamespace('release/') as { problem: string }).problem,
      /^"release\/" \(mapped to "release-"\) is not a valid namespace/,
    );
  });
});
