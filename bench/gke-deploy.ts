// gke-deploy's overhead against plain kubectl, and its multi-cluster scaling, on the testbed.
//   A: kubectl apply -f 20 Deployments + kubectl rollout status -f (admin kubeconfig), one cluster
//   B: gke-deploy with the same 20 manifests (GKE flow: token, clusters.get, token file,
//      server-side dry-run, apply, wait), one cluster
//   L: B with lock: off (no Lease, no deploy record): what the deploy lock costs
//   C: gke-deploy to 3 clusters in parallel
//   D: A on 3 clusters in parallel: what the 3 local control planes cost on this machine's
//      shared cores, to tell the plugin's scaling from the testbed's
// Every run deploys a new image tag, so every run is a real rollout. Subjects are interleaved.
// Usage: npx tsx bench/gke-deploy.ts [--runs 5]   (starts its own 3-cluster testbed in .testbed-bench)
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median } from './stats.ts';

const exec = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const env = { ...process.env, TESTBED_DIR: join(root, '.testbed-bench') };

execFileSync('npx', ['tsx', 'test/testbed/cli.ts', 'up', '--clusters', '3'], {
  cwd: root,
  env,
  stdio: 'inherit',
});
execFileSync('npx', ['tsx', 'scripts/bundle.ts', 'gke-deploy'], { cwd: root, stdio: 'inherit' });
const tb = JSON.parse(readFileSync(join(root, '.testbed-bench', 'state.json'), 'utf8'));
const kubectl = tb.tools.kubectl as string;

function manifests(tag: string): string {
  const docs: string[] = [];
  for (let i = 0; i < 20; i++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${i}
spec:
  replicas: 2
  selector: {matchLabels: {app: svc-${i}}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: svc-${i}}}
    spec:
      containers: [{name: app, image: "registry.local/app:${tag}"}]
`);
  }
  return docs.join('---\n');
}

const ws = mkdtempSync(join(tmpdir(), 'bench-gke-deploy-'));
const kube = (cluster: number, args: string[]) =>
  execFileSync(kubectl, [`--kubeconfig=${tb.clusters[cluster].adminKubeconfig}`, ...args], { stdio: 'pipe' });
for (const ns of ['bench-a', 'bench-b', 'bench-c', 'bench-d', 'bench-l'])
  for (let c = 0; c < 3; c++) kube(c, ['create', 'namespace', ns]);

function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function plain(tag: string): void {
  const file = join(ws, 'plain.yml');
  writeFileSync(file, manifests(tag));
  kube(0, ['-n', 'bench-a', 'apply', '-f', file]);
  kube(0, ['-n', 'bench-a', 'rollout', 'status', '-f', file, '--timeout=120s']);
}

async function plainParallel(tag: string): Promise<number> {
  const file = join(ws, 'plain3.yml');
  writeFileSync(file, manifests(tag));
  const t0 = process.hrtime.bigint();
  await Promise.all(
    [0, 1, 2].map(async (c) => {
      const cfg = `--kubeconfig=${tb.clusters[c].adminKubeconfig}`;
      await exec(kubectl, [cfg, '-n', 'bench-d', 'apply', '-f', file]);
      await exec(kubectl, [cfg, '-n', 'bench-d', 'rollout', 'status', '-f', file, '--timeout=120s']);
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function plugin(tag: string, clusters: number, ns: string, extra: Record<string, string> = {}): void {
  writeFileSync(join(ws, '.kube.yml'), manifests(tag));
  const r = spawnSync(process.execPath, [join(root, 'dist', 'gke-deploy', 'index.js')], {
    cwd: ws,
    env: {
      PATH: `${dirname(kubectl)}:${process.env.PATH}`,
      HOME: process.env.HOME,
      NODE_EXTRA_CA_CERTS: tb.ca.bundle,
      PLUGIN_TOKEN: readFileSync(tb.credentials.serviceAccountKeyFile, 'utf8'),
      PLUGIN_CLUSTERS: tb.clusters
        .slice(0, clusters)
        .map((c: { location: string; name: string }) => `${c.location}/${c.name}`)
        .join(','),
      PLUGIN_GKE_ENDPOINT: tb.gke.apiEndpoint,
      PLUGIN_TOKEN_URL: tb.gke.tokenUrl,
      PLUGIN_NAMESPACE: ns,
      PLUGIN_TIMEOUT: '120s',
      DRONE_BUILD_NUMBER: tag.replace(/\D/g, ''),
      ...extra,
    },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`gke-deploy failed:\n${r.stdout}\n${r.stderr}`);
}

const times = {
  a: [] as number[],
  b: [] as number[],
  l: [] as number[],
  c: [] as number[],
  d: [] as number[],
};
for (let i = 0; i <= runs; i++) {
  const tag = `v${i + 1}`;
  const a = timed(() => plain(tag));
  const b = timed(() => plugin(tag, 1, 'bench-b'));
  const l = timed(() => plugin(tag, 1, 'bench-l', { PLUGIN_LOCK: 'off' }));
  const c = timed(() => plugin(tag, 3, 'bench-c'));
  const d = await plainParallel(tag);
  if (i === 0) continue; // the first round creates the Deployments: not a rollout of an existing app
  times.a.push(a);
  times.b.push(b);
  times.l.push(l);
  times.c.push(c);
  times.d.push(d);
}
execFileSync('npx', ['tsx', 'test/testbed/cli.ts', 'down'], { cwd: root, env, stdio: 'inherit' });

const [a, b, l, c, d] = [median(times.a), median(times.b), median(times.l), median(times.c), median(times.d)];
console.log(`\n${runs} runs each (interleaved), 20 Deployments x 2 replicas, a new image every run\n`);
console.log('| subject | median s | runs (s) |');
console.log('| --- | --- | --- |');
const row = (name: string, m: number, xs: number[]) =>
  console.log(`| ${name} | ${(m / 1000).toFixed(2)} | ${xs.map((x) => (x / 1000).toFixed(2)).join(', ')} |`);
row('A kubectl apply + rollout status, 1 cluster', a, times.a);
row('B gke-deploy, 1 cluster', b, times.b);
row('L gke-deploy lock: off, 1 cluster', l, times.l);
row('C gke-deploy, 3 clusters in parallel', c, times.c);
row('D kubectl apply + rollout status, 3 clusters in parallel', d, times.d);
console.log(`\nthe deploy lock, B - L: ${((b - l) / 1000).toFixed(2)} s (B / L ${(b / l).toFixed(2)}x)`);
console.log(`overhead B - A: ${((b - a) / 1000).toFixed(2)} s (${(((b - a) / a) * 100).toFixed(0)}%)`);
console.log(
  `3 clusters against 1: gke-deploy C / B ${(c / b).toFixed(2)}x; plain kubectl D / A ${(d / a).toFixed(2)}x`,
);
console.log(`gke-deploy's own overhead at 3 clusters, C - D: ${((c - d) / 1000).toFixed(2)} s`);
