// gke-deploy's overhead against plain kubectl, and its multi-cluster scaling, on the testbed.
//   A: kubectl apply -f 20 Deployments + kubectl rollout status -f (admin kubeconfig), one cluster
//   B: gke-deploy with the same 20 manifests (GKE flow: token, clusters.get, token file,
//      server-side dry-run, apply, wait), one cluster
//   L: B with lock: off (no Lease, no deploy record): what the deploy lock costs
//   C: gke-deploy to 3 clusters in parallel
//   D: A on 3 clusters in parallel: what the 3 local control planes cost on this machine's
//      shared cores, to tell the plugin's scaling from the testbed's
// Every run deploys a new image tag, so every run is a real rollout. Subjects are interleaved.
// Usage: npx tsx bench/gke-deploy.ts [--runs 5] [--one-cluster] [--build <label>=<dist folder> ...]
//   (starts its own 3-cluster testbed in .testbed-bench; --one-cluster: A, B and L only, on a
//   1-cluster testbed; --build runs B, L and C for every build named, side by side, see
//   bench/builds.ts)
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Build, buildsToRun, entryOf, tagOf } from './builds.ts';
import { gkeDeployEnv, startBenchTestbed } from './deploy-testbed.ts';
import { inRoundOrder, median } from './stats.ts';

const exec = promisify(execFile);
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const oneCluster = process.argv.includes('--one-cluster');
const clusterCount = oneCluster ? 1 : 3;

const testbed = startBenchTestbed('.testbed-bench', clusterCount);
const { tb, kubectl } = testbed;
const ws = mkdtempSync(join(tmpdir(), 'bench-gke-deploy-'));
const builds = await buildsToRun('gke-deploy', join(ws, 'dist'));

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

const kube = (cluster: number, args: string[]) =>
  execFileSync(kubectl, [`--kubeconfig=${tb.clusters[cluster].adminKubeconfig}`, ...args], { stdio: 'pipe' });
const pluginNamespaces = builds.flatMap((_, i) => ['b', 'l', 'c'].map((s) => `bench-${s}${i || ''}`));
for (const ns of ['bench-a', 'bench-d', ...pluginNamespaces])
  for (let c = 0; c < clusterCount; c++) kube(c, ['create', 'namespace', ns]);

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

function plugin(
  build: Build,
  tag: string,
  clusters: number,
  ns: string,
  extra: Record<string, string> = {},
): void {
  writeFileSync(join(ws, '.kube.yml'), manifests(tag));
  const r = spawnSync(process.execPath, [entryOf(build, 'gke-deploy')], {
    cwd: ws,
    env: gkeDeployEnv(testbed, clusters, ns, tag, extra),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`gke-deploy failed:\n${r.stdout}\n${r.stderr}`);
}

// Subjects in the order they run each round and are printed: A, then B, L, C of every build, D.
const names = {
  a: 'A kubectl apply + rollout status, 1 cluster',
  b: 'B gke-deploy, 1 cluster',
  l: 'L gke-deploy lock: off, 1 cluster',
  c: 'C gke-deploy, 3 clusters in parallel',
  d: 'D kubectl apply + rollout status, 3 clusters in parallel',
};
const named = (key: 'b' | 'l' | 'c', build: Build) => `${names[key]}${tagOf(builds, build)}`;
const times = new Map<string, number[]>();
const record = (name: string, ms: number) => times.set(name, [...(times.get(name) ?? []), ms]);
for (let i = 0; i <= runs; i++) {
  const tag = `v${i + 1}`;
  const tasks: [string, () => number | Promise<number>][] = [[names.a, () => timed(() => plain(tag))]];
  builds.forEach((build, n) => {
    const ns = (s: string) => `bench-${s}${n || ''}`;
    tasks.push([named('b', build), () => timed(() => plugin(build, tag, 1, ns('b')))]);
    tasks.push([
      named('l', build),
      () => timed(() => plugin(build, tag, 1, ns('l'), { PLUGIN_LOCK: 'off' })),
    ]);
    if (!oneCluster) tasks.push([named('c', build), () => timed(() => plugin(build, tag, 3, ns('c')))]);
  });
  if (!oneCluster) tasks.push([names.d, () => plainParallel(tag)]);
  const round: [string, number][] = [];
  for (const [name, task] of inRoundOrder(tasks, i)) round.push([name, await task()]);
  // The first round creates the Deployments: not a rollout of an existing app.
  if (i > 0) for (const [name, ms] of round) record(name, ms);
}
testbed.stop();

const med = (name: string) => median(times.get(name) ?? []);
console.log(`\n${runs} runs each (interleaved), 20 Deployments x 2 replicas, a new image every run\n`);
console.log('| subject | median s | runs (s) |');
console.log('| --- | --- | --- |');
const secs = (ms: number) => (ms / 1000).toFixed(2);
for (const [name, xs] of times) console.log(`| ${name} | ${secs(med(name))} | ${xs.map(secs).join(', ')} |`);
const [a, d] = [med(names.a), med(names.d)];
for (const build of builds) {
  const [b, l, c] = [med(named('b', build)), med(named('l', build)), med(named('c', build))];
  if (builds.length > 1) console.log(`\n${build.label}:`);
  console.log(`\nthe deploy lock, B - L: ${secs(b - l)} s (B / L ${(b / l).toFixed(2)}x)`);
  console.log(`overhead B - A: ${secs(b - a)} s (${(((b - a) / a) * 100).toFixed(0)}%)`);
  if (oneCluster) continue;
  console.log(
    `3 clusters against 1: gke-deploy C / B ${(c / b).toFixed(2)}x; plain kubectl D / A ${(d / a).toFixed(2)}x`,
  );
  console.log(`gke-deploy's own overhead at 3 clusters, C - D: ${secs(c - d)} s`);
}
