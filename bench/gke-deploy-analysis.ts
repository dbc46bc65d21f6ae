// What gke-deploy's metrics analysis adds to a deploy, side by side, on a 2-cluster testbed
// with its real Prometheus (scraping the simulated service metrics of the pods running there):
//   N  gke-deploy, parallel: true, no analysis
//   P  N with one error-rate check (analysis_delay 2s, interval 1s, count 3)
//   Ns gke-deploy, parallel: false (canary first), no analysis
//   S  Ns with the same check: the canary is judged, then the other cluster
// The target (#15): the analysis adds at most analysis_delay + interval x (count - 1), plus
// 1 s per cluster, per round of analysis: P - N <= 2 + 2 + 2 = 6 s; parallel: false judges
// twice (the canary, then the rest), so S - Ns <= 2 x 4 + 2 = 10 s.
// Every run deploys a new image tag, so every run is a real rollout. Subjects are interleaved.
// Usage: npx tsx bench/gke-deploy-analysis.ts [--runs 5] [--build <label>=<dist folder> ...]
//   (starts its own testbed in .testbed-bench-analysis and stops it at the end)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Build, buildsToRun, entryOf, tagOf } from './builds.ts';
import { gkeDeployEnv, startBenchTestbed } from './deploy-testbed.ts';
import { inRoundOrder, median } from './stats.ts';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const DELAY_S = 2;
const INTERVAL_S = 1;
const COUNT = 3;
const CLUSTERS = 2;

const testbed = startBenchTestbed('.testbed-bench-analysis', CLUSTERS);
const { tb } = testbed;
const ws = mkdtempSync(join(tmpdir(), 'bench-analysis-'));
const builds = await buildsToRun('gke-deploy', join(ws, 'dist'));

function manifest(tag: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: "registry.local/app:${tag}"}]
`;
}

const sel = 'cluster="{{.cluster}}",namespace="{{.namespace}}"';
const CHECK = {
  name: 'error-rate',
  query: `(sum(rate(http_requests_total{${sel},code="500"}[5s])) or vector(0)) / sum(rate(http_requests_total{${sel}}[5s]))`,
  max: 0.05,
  interval: `${INTERVAL_S}s`,
  count: COUNT,
};

function plugin(build: Build, tag: string, ns: string, extra: Record<string, string>): number {
  writeFileSync(join(ws, '.kube.yml'), manifest(tag));
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [entryOf(build, 'gke-deploy')], {
    cwd: ws,
    env: gkeDeployEnv(testbed, CLUSTERS, ns, tag, { PLUGIN_CREATE_NAMESPACE: 'true', ...extra }),
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`gke-deploy failed:\n${r.stdout}\n${r.stderr}`);
  return ms;
}

const analysis = {
  PLUGIN_ANALYSIS: JSON.stringify([CHECK]),
  PLUGIN_ANALYSIS_ENDPOINT: tb.prometheus.url,
  PLUGIN_ANALYSIS_DELAY: `${DELAY_S}s`,
};
const subjects = {
  n: ['N parallel, no analysis', { PLUGIN_PARALLEL: 'true' }],
  p: ['P parallel, analysis', { PLUGIN_PARALLEL: 'true', ...analysis }],
  ns: ['Ns canary first, no analysis', { PLUGIN_PARALLEL: 'false' }],
  s: ['S canary first, analysis', { PLUGIN_PARALLEL: 'false', ...analysis }],
} as const satisfies Record<string, readonly [string, Record<string, string>]>;
type Key = keyof typeof subjects;
const named = (key: Key, build: Build) => `${subjects[key][0]}${tagOf(builds, build)}`;

const times = new Map<string, number[]>();
for (let i = 0; i <= runs; i++) {
  const tag = `v${i + 1}`;
  const tasks: [string, () => number][] = [];
  builds.forEach((build, n) => {
    for (const key of Object.keys(subjects) as Key[]) {
      const ns = `bench-an-${key}${n || ''}`;
      tasks.push([named(key, build), () => plugin(build, tag, ns, subjects[key][1])]);
    }
  });
  const round = inRoundOrder(tasks, i).map(([name, task]) => [name, task()] as const);
  // The first round creates the namespaces and Deployments: not a rollout of a running app.
  if (i > 0) for (const [name, ms] of round) times.set(name, [...(times.get(name) ?? []), ms]);
}
testbed.stop();

const secs = (ms: number) => (ms / 1000).toFixed(2);
const med = (name: string) => median(times.get(name) ?? []);
const round = DELAY_S + INTERVAL_S * (COUNT - 1);
console.log(
  `\n${runs} runs each (interleaved), 1 Deployment x 3 replicas on ${CLUSTERS} clusters, a new image every run`,
);
console.log(`analysis: 1 check, delay ${DELAY_S} s, interval ${INTERVAL_S} s, count ${COUNT}\n`);
console.log('| subject | median s | runs (s) |');
console.log('| --- | --- | --- |');
for (const [name, xs] of times) console.log(`| ${name} | ${secs(med(name))} | ${xs.map(secs).join(', ')} |`);
/** The per-round differences a - b (the rounds pair runs made under the same load), and their median. */
function paired(a: string, b: string): { diffs: number[]; median: number } {
  const xs = times.get(a) ?? [];
  const ys = times.get(b) ?? [];
  const diffs = xs.map((x, i) => x - (ys[i] ?? Number.NaN));
  return { diffs, median: median(diffs) };
}
for (const build of builds) {
  if (builds.length > 1) console.log(`\n${build.label}:`);
  const par = paired(named('p', build), named('n', build));
  const seq = paired(named('s', build), named('ns', build));
  const show = (d: { diffs: number[]; median: number }) =>
    `${secs(d.median)} s (per round: ${d.diffs.map(secs).join(', ')})`;
  console.log(
    `\nparallel: P - N, median of rounds ${show(par)}; budget ${round + CLUSTERS} s (one round + 1 s per cluster)`,
  );
  console.log(
    `canary first: S - Ns, median of rounds ${show(seq)}; budget ${2 * round + CLUSTERS} s (two rounds + 1 s per cluster)`,
  );
  console.log(`floor: ${round} s and ${2 * round} s of waiting (delay + interval x (count - 1), per round)`);
}
