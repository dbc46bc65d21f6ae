// Smoke tests of the testbed's Kubernetes half: two local clusters named after GKE regions,
// driven through the kubectl built from the pinned Kubernetes release.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGet } from '../../testbed/http.ts';
import type { ClusterInfo } from '../../testbed/kube/cluster.ts';
import { BROKEN_IMAGE, kubectl, startCluster, stopCluster } from '../../testbed/kube/cluster.ts';
import { ensureCA } from '../../testbed/pki.ts';
import type { ToolPaths } from '../../testbed/tools.ts';
import { ensureTools } from '../../testbed/tools.ts';

const REGIONS = ['asia-northeast1', 'us-central1'];
const GOOD_IMAGE = 'registry.local/app:v1';

/** `deadline`: progressDeadlineSeconds, short for the broken rollout so it fails within the test. */
function deployment(image: string, deadline = 600): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 3,
      progressDeadlineSeconds: deadline,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image }], terminationGracePeriodSeconds: 1 },
      },
    },
  });
}

function failure(err: unknown): { stdout: string; stderr: string } {
  const e = err as { stdout?: string; stderr?: string };
  return { stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
}

describe('testbed: local Kubernetes clusters (kwok nodes)', function () {
  // The first run builds Kubernetes from source: allow for it.
  this.timeout(60 * 60 * 1000);

  let tools: ToolPaths;
  let dir: string;
  const clusters: ClusterInfo[] = [];

  before(async () => {
    tools = await ensureTools({ log: (line) => console.log(`    ${line}`) });
    dir = mkdtempSync(join(tmpdir(), 'drone-gke-kube-'));
    const ca = ensureCA(join(dir, 'ca'));
    const started = Date.now();
    const results = await Promise.allSettled(
      REGIONS.map((name, i) =>
        startCluster({
          name,
          dir: join(dir, name),
          logDir: join(dir, 'logs'),
          ca,
          token: `test-token-${i}-${Math.random().toString(36).slice(2)}`,
          tools,
        }),
      ),
    );
    for (const r of results) if (r.status === 'fulfilled') clusters.push(r.value);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    console.log(`    started ${clusters.length} clusters in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  after(async () => {
    await Promise.all(clusters.map((c) => stopCluster(c)));
    if (dir && !process.env['KEEP_TESTBED']) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the built kubectl, client and server on the pinned release', async () => {
    const c = clusters[0]!;
    const out = JSON.parse(await kubectl(tools, c.adminKubeconfig, ['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    assert.match(out.clientVersion.gitVersion, /^v1\.\d+\.\d+$/);
    assert.equal(out.serverVersion.gitVersion, out.clientVersion.gitVersion);
  });

  it('has 3 Ready fake nodes on each cluster', async () => {
    for (const c of clusters) {
      const out = await kubectl(tools, c.adminKubeconfig, [
        'get',
        'nodes',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
      ]);
      const lines = out.trim().split('\n');
      assert.equal(lines.length, 3, out);
      for (const line of lines) assert.match(line, new RegExp(`^gke-${c.name}-pool-\\d=True$`));
    }
  });

  it('rolls out a 3-replica Deployment on both clusters', async () => {
    await Promise.all(
      clusters.map(async (c) => {
        await kubectl(tools, c.adminKubeconfig, ['apply', '-f', '-'], { input: deployment(GOOD_IMAGE) });
        const out = await kubectl(tools, c.adminKubeconfig, [
          'rollout',
          'status',
          'deployment/web',
          '--timeout=60s',
        ]);
        assert.match(out, /successfully rolled out/);
        const ready = await kubectl(tools, c.adminKubeconfig, [
          'get',
          'deployment',
          'web',
          '-o',
          'jsonpath={.status.readyReplicas}/{.status.availableReplicas}',
        ]);
        assert.equal(ready, '3/3');
      }),
    );
  });

  it('stalls a rollout to the broken image, then rolls back with rollout undo', async () => {
    await Promise.all(
      clusters.map(async (c) => {
        const kc = c.adminKubeconfig;
        await kubectl(tools, kc, ['apply', '-f', '-'], { input: deployment(BROKEN_IMAGE, 8) });
        let failed: { stdout: string; stderr: string } | undefined;
        try {
          await kubectl(tools, kc, ['rollout', 'status', 'deployment/web', '--timeout=60s']);
        } catch (err) {
          failed = failure(err);
        }
        assert.ok(failed, `rollout to ${BROKEN_IMAGE} on ${c.name} should not succeed`);
        assert.match(failed.stderr, /exceeded its progress deadline/);
        const reason = await kubectl(tools, kc, [
          'get',
          'deployment',
          'web',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}',
        ]);
        assert.equal(reason, 'ProgressDeadlineExceeded');

        await kubectl(tools, kc, ['rollout', 'undo', 'deployment/web']);
        const out = await kubectl(tools, kc, ['rollout', 'status', 'deployment/web', '--timeout=60s']);
        assert.match(out, /successfully rolled out/);
        const image = await kubectl(tools, kc, [
          'get',
          'deployment',
          'web',
          '-o',
          'jsonpath={.spec.template.spec.containers[0].image}',
        ]);
        assert.equal(image, GOOD_IMAGE);
        const ready = await kubectl(tools, kc, [
          'get',
          'deployment',
          'web',
          '-o',
          'jsonpath={.status.readyReplicas}/{.status.updatedReplicas}/{.status.replicas}',
        ]);
        assert.equal(ready, '3/3/3');
      }),
    );
  });

  it('completes a Job (its pod succeeds)', async () => {
    const c = clusters[1]!;
    await kubectl(tools, c.adminKubeconfig, ['create', 'job', 'migrate', `--image=${GOOD_IMAGE}`]);
    await kubectl(tools, c.adminKubeconfig, [
      'wait',
      '--for=condition=complete',
      'job/migrate',
      '--timeout=60s',
    ]);
    const phase = await kubectl(tools, c.adminKubeconfig, [
      'get',
      'pods',
      '-l',
      'job-name=migrate',
      '-o',
      'jsonpath={.items[*].status.phase}',
    ]);
    assert.equal(phase, 'Succeeded');
  });

  it('accepts the static bearer token and refuses a wrong one with 401', async () => {
    for (const c of clusters) {
      const ok = await httpGet(`${c.server}/api/v1/namespaces/default/pods`, {
        ca: c.caPem,
        token: c.token,
      });
      assert.equal(ok.status, 200, ok.body);
      assert.equal((JSON.parse(ok.body) as { kind: string }).kind, 'PodList');
      const bad = await httpGet(`${c.server}/api/v1/namespaces/default/pods`, {
        ca: c.caPem,
        token: `${c.token}-wrong`,
      });
      assert.equal(bad.status, 401, bad.body);
      // The other cluster's token is not valid here either.
      const other = clusters.find((o) => o !== c)!;
      const cross = await httpGet(`${c.server}/api/v1/namespaces/default/pods`, {
        ca: c.caPem,
        token: other.token,
      });
      assert.equal(cross.status, 401, cross.body);
    }
  });
});
