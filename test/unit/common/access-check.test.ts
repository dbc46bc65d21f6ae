import assert from 'node:assert/strict';
import { checkClusterAccess } from '../../../common/kube/access-check.ts';

const source = (s: string) => `PLUGIN_${s.toUpperCase()}`;
const problems = (s: Parameters<typeof checkClusterAccess>[0]) =>
  checkClusterAccess(s, source).map((i) => `${i.setting}: ${i.problem}`);

const KUBECONFIG = (namespace: string) =>
  `apiVersion: v1\nkind: Config\ncurrent-context: prod\ncontexts:\n- name: prod\n  context: {cluster: c1, user: u1${namespace ? `, namespace: ${namespace}` : ''}}\nclusters:\n- name: c1\n  cluster: {server: "https://k8s.example:443"}\nusers:\n- name: u1\n  user: {token: kube-token-1234}\n`;

describe('checkClusterAccess', () => {
  it('accepts each single way of naming clusters', () => {
    assert.deepEqual(problems({ cluster: 'web', region: 'us-central1' }), []);
    assert.deepEqual(problems({ cluster: 'web', zone: 'us-central1-a' }), []);
    assert.deepEqual(problems({ clusters: ['us-central1/web'] }), []);
    assert.deepEqual(problems({ kubeconfig: KUBECONFIG('') }), []);
    assert.deepEqual(problems({ kube_server: 'https://10.0.0.1', kube_token: 't' }), []);
  });

  it('asks for a cluster when none is given', () => {
    assert.match(
      problems({})[0] as string,
      /^cluster: no cluster given: set "cluster" with one of "zone", "region"/,
    );
  });

  it('refuses zone and region together, and a cluster without a place', () => {
    assert.deepEqual(problems({ cluster: 'web', zone: 'us-central1-a', region: 'us-central1' }), [
      'region: set "zone" or "region", not both',
    ]);
    assert.deepEqual(problems({ cluster: 'web' }), [
      'cluster: set one of "zone", "region" or "location" for the cluster',
    ]);
  });

  it('refuses two ways at once', () => {
    assert.deepEqual(problems({ cluster: 'web', region: 'us-central1', clusters: ['a/b'] }), [
      'clusters: set only one of "cluster", "clusters": they name clusters in different ways',
    ]);
  });

  it('pairs kube_server with kube_token', () => {
    assert.deepEqual(problems({ kube_server: 'https://10.0.0.1' }), [
      'kube_token: is required with "kube_server"',
    ]);
    assert.deepEqual(problems({ cluster: 'w', region: 'us-central1', kube_token: 't' }), [
      'kube_token: needs "kube_server"',
    ]);
  });

  it('counts a setting the schema refused as given: no second, wrong complaint about it', () => {
    const invalid = (...k: string[]) => new Set(k);
    const checked = (s: Parameters<typeof checkClusterAccess>[0], bad: Set<string>) =>
      checkClusterAccess(s, source, bad).map((i) => `${i.setting}: ${i.problem}`);
    assert.deepEqual(checked({}, invalid('clusters')), []);
    assert.deepEqual(checked({ cluster: 'web' }, invalid('zone')), []);
    assert.deepEqual(checked({ kube_token: 't' }, invalid('kube_server')), []);
    assert.deepEqual(checked({}, invalid('cluster')), [
      'cluster: set one of "zone", "region" or "location" for the cluster',
    ]);
  });

  it('reads a kubeconfig with the other settings: one kubectl could not use is a problem now', () => {
    assert.deepEqual(problems({ kubeconfig: 'apiVersion: v1' }), [
      'kubeconfig: has no current-context with a cluster and server: set current-context in the kubeconfig',
    ]);
    assert.deepEqual(problems({ kubeconfig: Buffer.from(KUBECONFIG('web')).toString('base64') }), []);
    assert.deepEqual(problems({ kubeconfig: KUBECONFIG('Web_') }), [
      'kubeconfig: the namespace of its current context is not a valid namespace; fix it there, or set "namespace"',
    ]);
    // An explicit namespace is used instead, so the context's does not matter.
    assert.deepEqual(problems({ kubeconfig: KUBECONFIG('Web_'), namespace: 'web' }), []);
  });

  it('reads kube_ca with the other settings: one that is no certificate is a problem now', () => {
    const server = { kube_server: 'https://10.0.0.1', kube_token: 't' };
    assert.deepEqual(problems({ ...server, kube_ca: 'not a certificate' }), [
      'kube_ca: is not a PEM certificate (or base64 of one): expected -----BEGIN CERTIFICATE-----',
    ]);
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    assert.deepEqual(problems({ ...server, kube_ca: pem }), []);
    assert.deepEqual(problems({ ...server, kube_ca: Buffer.from(pem).toString('base64') }), []);
  });
});
