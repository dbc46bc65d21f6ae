// gke-deploy end to end: the bundle, as a Drone step runs it, against the testbed's two
// clusters through the real GKE credential flow and the real deployment controller.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { DeploySummary } from '../../../common/summary.ts';
import { assertNoLeaks } from '../../helpers/canary.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  bundled,
  deploymentOf,
  editManifests,
  gkeEnv,
  kubectl,
  namespaceExists,
  removeNamespaces,
  runPlugin,
  serviceAccountKey,
  uniqueNamespace,
  workspace,
} from './harness.ts';

const API_TOKEN = 'canary-api-token-7d1f0c9a2b';

describe('gke-deploy against two clusters', function () {
  this.timeout(300_000);
  let tb: TestbedState;

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await useTestbed({ clusters: 2 });
    await bundled('gke-deploy');
  });
  afterEach(() => removeNamespaces(tb));

  const deploy = (ns: string, ws: string, build: number, tag: string, extra: Record<string, string> = {}) =>
    runPlugin(
      'gke-deploy',
      gkeEnv(tb, ns, {
        PLUGIN_CREATE_NAMESPACE: 'true',
        PLUGIN_VARS: JSON.stringify({ app: 'web', tag, deadline: 6 }),
        SECRET_API_TOKEN: API_TOKEN,
        DRONE_BUILD_NUMBER: String(build),
        DRONE_COMMIT_SHA: `${String(build).repeat(8)}abcdef`.slice(0, 16),
        ...extra,
      }),
      ws,
    );

  it('deploys to both clusters, records provenance, and writes the summary', async () => {
    const ns = uniqueNamespace();
    const ws = workspace('web');
    const r = await deploy(ns, ws, 7, 'v1');
    assert.equal(r.code, 0, r.output);
    for (const cluster of [0, 1]) {
      const d = await deploymentOf(tb, cluster, ns);
      assert.equal(d.image, 'registry.local/app:v1');
      assert.equal(d.status.readyReplicas, 3);
      assert.equal(d.metadata.labels['app.kubernetes.io/managed-by'], 'gke-deploy');
      assert.equal(d.metadata.annotations['drone-gke/build-number'], '7');
      assert.equal(d.metadata.annotations['drone-gke/deployer'], 'alice');
      assert.equal(
        d.metadata.annotations['kubernetes.io/change-cause'],
        'gke-deploy build 7 (77777777) by alice',
      );
      assert.equal(d.spec.template.metadata.annotations?.['drone-gke/build-number'], '7');
      assert.deepEqual(d.spec.strategy.rollingUpdate, { maxSurge: '10%', maxUnavailable: 0 });
      const secret = JSON.parse(
        await kubectl(tb, cluster, ['-n', ns, 'get', 'secret', 'web-secrets', '-o', 'json']),
      );
      assert.equal(Buffer.from(secret.data['api-token'], 'base64').toString(), API_TOKEN);
    }
    const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    assert.equal(summary.result, 'deployed');
    assert.deepEqual(
      summary.clusters.map((c) => c.result),
      ['deployed', 'deployed'],
    );
    assert.deepEqual(summary.images, ['registry.local/app:v1']);
    assert.equal(summary.build.number, 7);
    assert.match(r.stdout, /== Result\ncluster +result +workload/);
    assertNoLeaks(r.output, [serviceAccountKey(tb), API_TOKEN]);
  });

  it('rolls a broken image back on both clusters: previous image Ready, exit 1, a table', async () => {
    const ns = uniqueNamespace();
    const ws = workspace('web');
    assert.equal((await deploy(ns, ws, 1, 'v1')).code, 0);
    const r = await deploy(ns, ws, 2, 'broken');
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.stderr,
      /^gke-deploy failed: the deploy failed and every changed cluster was rolled back/m,
    );
    assert.match(r.stdout, /== Rollback/);
    assert.match(
      r.stdout,
      /rolled back +deployment\/web +1 +1 +deployment\/web exceeded its progress deadline/,
    );
    for (const cluster of [0, 1]) {
      const d = await deploymentOf(tb, cluster, ns);
      assert.equal(d.image, 'registry.local/app:v1');
      assert.equal(d.status.readyReplicas, 3);
      assert.equal(d.status.updatedReplicas, 3);
      assert.equal(d.spec.template.metadata.annotations?.['drone-gke/build-number'], '1');
    }
    const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    assert.equal(summary.result, 'rolled_back');
    assert.deepEqual(
      summary.clusters.map((c) => c.result),
      ['rolled_back', 'rolled_back'],
    );
    assertNoLeaks(r.output, [serviceAccountKey(tb), API_TOKEN]);
  });

  it('skip_secret_template (drone-gke): the secret template is neither rendered nor applied', async () => {
    const ns = uniqueNamespace();
    const env = gkeEnv(tb, ns, {
      PLUGIN_CREATE_NAMESPACE: 'true',
      PLUGIN_SKIP_SECRET_TEMPLATE: 'true',
      PLUGIN_VARS: JSON.stringify({ app: 'web', tag: 'v1', deadline: 6 }),
      DRONE_BUILD_NUMBER: '5',
    });
    // No SECRET_API_TOKEN: rendering .kube.sec.yml would fail on it.
    const r = await runPlugin('gke-deploy', env, workspace('web'));
    assert.equal(r.code, 0, r.output);
    for (const cluster of [0, 1]) {
      const found = await kubectl(tb, cluster, [
        '-n',
        ns,
        'get',
        'secret',
        'web-secrets',
        '--ignore-not-found',
        '-o',
        'name',
      ]);
      assert.equal(found.trim(), '');
      assert.equal((await deploymentOf(tb, cluster, ns)).image, 'registry.local/app:v1');
    }
  });

  it('applies nothing anywhere when one cluster fails preflight', async () => {
    const ns = uniqueNamespace();
    // The namespace exists on the second cluster only: the first fails its preflight.
    await kubectl(tb, 1, ['create', 'namespace', ns]);
    const r = await deploy(ns, workspace('web'), 3, 'v1', { PLUGIN_CREATE_NAMESPACE: 'false' });
    assert.equal(r.code, 1, r.output);
    assert.match(r.stderr, /preflight failed on 1 of 2 cluster\(s\); nothing was applied anywhere/);
    assert.match(r.stderr, /namespace ".*" does not exist; create it or set create_namespace: true/);
    assert.equal((await kubectl(tb, 1, ['-n', ns, 'get', 'deployments', '-o', 'name'])).trim(), '');
    assert.equal(await namespaceExists(tb, 0, ns), false);
  });

  it('preflight: what only server-side apply refuses (duplicate env names) still deploys client-side', async () => {
    // The quick server-side-apply dry-run refuses duplicate list keys; the client-side dry-run
    // of the apply that follows accepts them, and decides.
    const ws = workspace('web');
    editManifests(ws, (text) =>
      text.replace(
        '          ports:\n',
        '          env:\n            - {name: MODE, value: a}\n            - {name: MODE, value: b}\n          ports:\n',
      ),
    );
    const ns = uniqueNamespace();
    const r = await deploy(ns, ws, 1, 'v1', {
      PLUGIN_CLUSTERS: `${tb.clusters[0]?.location}/${tb.clusters[0]?.name}`,
      PLUGIN_DEBUG: 'true',
    });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /apply --dry-run=server --server-side --force-conflicts -f - -> exit 1/);
    assert.match(r.output, /apply --dry-run=server -f - -> exit 0/);
    const env = JSON.parse(
      await kubectl(tb, 0, [
        '-n',
        ns,
        'get',
        'deployment',
        'web',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].env}',
      ]),
    );
    assert.deepEqual(
      env.map((e: { name: string }) => e.name),
      ['MODE', 'MODE'],
    );
  });

  it('preflight: a ConfigMap too large for client-side apply fails it, though server-side apply takes it', async () => {
    // 300 KB fits a ConfigMap (1 MiB) but not kubectl's last-applied annotation (256 KiB).
    const ws = workspace('web');
    const big = `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: ${'x'.repeat(300 * 1024)}\n`;
    editManifests(ws, (text) => `${text}${big}`);
    const ns = uniqueNamespace();
    const r = await deploy(ns, ws, 1, 'v1', {
      PLUGIN_CLUSTERS: `${tb.clusters[0]?.location}/${tb.clusters[0]?.name}`,
    });
    assert.equal(r.code, 1, r.output);
    assert.match(r.stderr, /preflight failed on 1 of 1 cluster\(s\); nothing was applied anywhere/);
    assert.match(
      r.stderr,
      /Too long: may not be more than 262144 bytes|Too long: must have at most 262144 bytes/,
    );
    assert.equal(
      (await kubectl(tb, 0, ['-n', ns, 'get', 'deployments,configmaps', '-o', 'name'])).includes('big'),
      false,
    );
  });

  it('applies nothing when a cluster is unknown to the Kubernetes Engine API', async () => {
    const ns = uniqueNamespace();
    const env = gkeEnv(tb, ns, {
      PLUGIN_CREATE_NAMESPACE: 'true',
      PLUGIN_VARS: '{"app":"web","tag":"v1","deadline":6}',
      SECRET_API_TOKEN: API_TOKEN,
    });
    env.PLUGIN_CLUSTERS += ',europe-west1/nope';
    const r = await runPlugin('gke-deploy', env, workspace('web'));
    assert.equal(r.code, 1, r.output);
    assert.match(
      r.stderr,
      /europe-west1\/nope: cluster "nope" in europe-west1 \(project testbed-project\) was not found/,
    );
    for (const cluster of [0, 1]) assert.equal(await namespaceExists(tb, cluster, ns), false);
  });

  it('dry_run runs the server-side dry-run and prints a diff, changing nothing', async () => {
    const ns = uniqueNamespace();
    const ws = workspace('web');
    assert.equal((await deploy(ns, ws, 1, 'v1')).code, 0);
    const r = await deploy(ns, ws, 2, 'v2', { PLUGIN_DRY_RUN: 'true', PLUGIN_VERBOSE: 'true' });
    assert.equal(r.code, 0, r.output);
    assert.match(r.stdout, /server-side dry-run passed/);
    assert.match(r.stdout, /^-\s+- image: registry\.local\/app:v1\n\+\s+- image: registry\.local\/app:v2$/m);
    // The whole diff, from its first line: not the last 15 lines of an error message.
    const diffs = r.stdout.split(/^\[.+\] kubectl diff:$/m).slice(1);
    assert.equal(diffs.length, 2, r.stdout);
    for (const d of diffs) {
      assert.match(d, /^diff -u -N \S+apps\.v1\.Deployment\.[^.]+\.web /m);
      assert.ok(d.split('\n').length > 15, `a diff of more than 15 lines:\n${d}`);
    }
    assert.match(r.stdout, /dry run: nothing was applied/);
    for (const cluster of [0, 1])
      assert.equal((await deploymentOf(tb, cluster, ns)).image, 'registry.local/app:v1');
    const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    assert.equal(summary.result, 'dry_run');
    assertNoLeaks(r.output, [serviceAccountKey(tb), API_TOKEN]);
  });

  it('canary first (parallel: false): a broken canary never reaches the second cluster', async () => {
    const ns = uniqueNamespace();
    const ws = workspace('web');
    assert.equal((await deploy(ns, ws, 1, 'v1')).code, 0);
    const r = await deploy(ns, ws, 2, 'broken', { PLUGIN_PARALLEL: 'false' });
    assert.equal(r.code, 1, r.output);
    const second = await deploymentOf(tb, 1, ns);
    assert.equal(
      second.metadata.annotations['drone-gke/build-number'],
      '1',
      'the second cluster was never touched',
    );
    assert.equal((await deploymentOf(tb, 0, ns)).image, 'registry.local/app:v1');
  });

  describe('verify', () => {
    let server: Server;
    let url = '';
    let answer = 200;
    before(async () => {
      server = createServer((_req, res) => {
        res.writeHead(answer, { 'content-type': 'text/plain' });
        res.end(answer === 200 ? 'ok version v2' : 'down');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const addr = server.address();
      url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/healthz`;
    });
    after(() => server.close());

    it('passes when the URL answers as expected', async () => {
      answer = 200;
      const ns = uniqueNamespace();
      const verify = JSON.stringify([{ url, status: 200, body: 'version v\\d', retries: 0 }]);
      const r = await deploy(ns, workspace('web'), 1, 'v1', { PLUGIN_VERIFY: verify });
      assert.equal(r.code, 0, r.output);
      assert.match(r.stdout, /verify: 1 check\(s\) passed/);
    });

    it('rolls back every cluster when a check fails', async () => {
      const ns = uniqueNamespace();
      const ws = workspace('web');
      answer = 200;
      assert.equal((await deploy(ns, ws, 1, 'v1')).code, 0);
      answer = 503;
      const verify = JSON.stringify([{ url, retries: 1, interval: '100ms' }]);
      const r = await deploy(ns, ws, 2, 'v2', { PLUGIN_VERIFY: verify });
      assert.equal(r.code, 1, r.output);
      assert.match(
        r.output,
        /verify: http:\/\/127\.0\.0\.1:\d+\/healthz answered HTTP 503, expected 200 \(after 2 attempts\)/,
      );
      for (const cluster of [0, 1])
        assert.equal((await deploymentOf(tb, cluster, ns)).image, 'registry.local/app:v1');
    });
  });

  describe('rolling-update policy', () => {
    const unsafe = (ws: string) =>
      editManifests(ws, (text) =>
        text.replace(
          '  replicas: 3\n',
          '  replicas: 3\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 1\n',
        ),
      );

    it('warns about a Deployment that may drop capacity, and deploys', async () => {
      const ws = workspace('web');
      unsafe(ws);
      const r = await deploy(uniqueNamespace(), ws, 1, 'v1');
      assert.equal(r.code, 0, r.output);
      assert.match(r.stderr, /warning: \.kube\.yml:\d+: Deployment web allows maxUnavailable 1/);
    });

    it('fails before touching any cluster under strategy_policy: enforce', async () => {
      const ws = workspace('web');
      unsafe(ws);
      const ns = uniqueNamespace();
      const r = await deploy(ns, ws, 1, 'v1', { PLUGIN_STRATEGY_POLICY: 'enforce' });
      assert.equal(r.code, 1, r.output);
      assert.match(
        r.stderr,
        /1 Deployment\(s\) may drop capacity during a rollout \(strategy_policy: enforce\); nothing was applied/,
      );
      for (const cluster of [0, 1]) assert.equal(await namespaceExists(tb, cluster, ns), false);
    });
  });

  describe('credentials', () => {
    it('workload identity: an external_account config in token (STS exchange through its own token_url)', async () => {
      const ns = uniqueNamespace();
      const r = await deploy(ns, workspace('web'), 1, 'v1', {
        PLUGIN_TOKEN: readFileSync(tb.credentials.externalAccountFile, 'utf8'),
        PLUGIN_PROJECT: tb.project.id,
      });
      assert.equal(r.code, 0, r.output);
      assert.match(r.stdout, /authenticated as \/\/iam\.googleapis\.com\//);
      assert.equal((await deploymentOf(tb, 0, ns)).image, 'registry.local/app:v1');
    });

    it('Application Default Credentials from GOOGLE_APPLICATION_CREDENTIALS when token is not set', async () => {
      const ns = uniqueNamespace();
      const r = await deploy(ns, workspace('web'), 1, 'v1', {
        PLUGIN_TOKEN: '',
        GOOGLE_APPLICATION_CREDENTIALS: tb.credentials.serviceAccountKeyFile,
      });
      assert.equal(r.code, 0, r.output);
      assert.match(r.stdout, /authenticated as Application Default Credentials/);
      assert.equal((await deploymentOf(tb, 1, ns)).image, 'registry.local/app:v1');
    });

    it('a key the token endpoint refuses: a clear error, nothing applied', async () => {
      const ns = uniqueNamespace();
      const key = JSON.parse(serviceAccountKey(tb)) as Record<string, string>;
      const { generateKeyPairSync } = await import('node:crypto');
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      });
      const forged = JSON.stringify({ ...key, private_key: String(other) });
      const r = await deploy(ns, workspace('web'), 1, 'v1', { PLUGIN_TOKEN: forged });
      assert.equal(r.code, 1, r.output);
      assert.match(r.stderr, /could not get a Google access token for testbed-deployer@/);
      for (const cluster of [0, 1]) assert.equal(await namespaceExists(tb, cluster, ns), false);
      assertNoLeaks(r.output, [forged]);
    });
  });

  it('never prints a secret manifest, not even when the API server rejects it', async () => {
    const ns = uniqueNamespace();
    const ws = workspace('web');
    writeFileSync(
      join(ws, '.kube.sec.yml'),
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-secrets\ndata:\n  cert: {{.SECRET_BASE64_CERT}}\n',
    );
    const bad = 'canary-not-base64-!!-9f8e7d6c';
    const r = await deploy(ns, ws, 1, 'v1', { SECRET_BASE64_CERT: bad, PLUGIN_VERBOSE: 'true' });
    assert.equal(r.code, 1, r.output);
    assert.match(r.stderr, /preflight failed on 2 of 2 cluster\(s\); nothing was applied anywhere/);
    assert.match(r.stderr, /\(output hidden\)/);
    assertNoLeaks(r.output, [bad, serviceAccountKey(tb)]);
  });
});
