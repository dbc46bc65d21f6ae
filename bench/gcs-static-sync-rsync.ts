// gcs-static-sync against `gcloud storage rsync --checksums-only`, side by side in one run
// against the same fake-gcs-server: initial upload and no-op re-sync
// of 10,000 files of 4 KB and of 1,000 files of 256 KB; then the plugin alone from 1,000 to
// 100,000 files of 4 KB, to see time and memory grow. Runs are interleaved (plugin, gcloud,
// plugin, gcloud, ...) so machine noise hits both alike; each initial upload goes to a fresh
// bucket. Wall time and peak RSS come from GNU time (for gcloud: its largest process).
//
// The server is a fake-gcs-server of its own (the testbed's binary, same version) with the
// filesystem backend, on 127.0.0.1: the testbed's instance uses the memory backend, which
// scans every object of the bucket on each write (internal/backend/memory.go, findObject),
// so an upload of n files costs the server O(n²) and that, not the tools, is what a 10,000
// file upload would measure (about 20 ms per object at 5,000 objects).
//
//   TESTBED_DIR=.testbed-gcs npx tsx test/testbed/cli.ts up      # a testbed must be running
//   TESTBED_DIR=.testbed-gcs npx tsx bench/gcs-static-sync-rsync.ts [--runs 3]
//       [--scale 1000,10000,30000,100000] [--skip-gcloud] [--skip-scale] [--sets 4k,256k]
//       [--build <label>=<dist folder> ...]
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
import { inRoundOrder, median } from './stats.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const runs = Number(arg('--runs') ?? 3);
const scale = (arg('--scale') ?? '1000,10000,30000,100000').split(',').map(Number);
const skipGcloud = process.argv.includes('--skip-gcloud');
const skipScale = process.argv.includes('--skip-scale');
/** Which side-by-side data sets: 4k (10,000 x 4 KB), 256k (1,000 x 256 KB). */
const sets = (arg('--sets') ?? '4k,256k').split(',');

interface Measure {
  ms: number;
  /** user + system CPU of the tool's own processes (not the server's). */
  cpuMs: number;
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

/** Runs a command under GNU time; wall time (ms) and peak RSS (MB). */
function timed(command: string, args: string[], env: Record<string, string>): Measure {
  const stats = join(work, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', '-o', stats, command, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const output = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${output.slice(-3000)}`);
  const [secs, kb, user, sys] = readFileSync(stats, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return {
    ms: (secs as number) * 1000,
    cpuMs: ((user as number) + (sys as number)) * 1000,
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

// The image's node flags (--optimize-for-size): the memory figures are what the image uses.
const nodeFlags = imageNodeFlags(join(import.meta.dirname, '..'), 'Dockerfile.assets');

function plugin(entry: string, source: string, bucket: string): Measure {
  const m = timed(process.execPath, [...nodeFlags, entry], {
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

/** One initial upload to a fresh bucket and one no-op re-sync, checked. */
async function pair(tool: Tool, source: string, files: number) {
  const bucket = await createBucket();
  const initial = tool.run(source, bucket);
  const count = await objectCount(bucket);
  if (count !== files)
    throw new Error(`${tool.name}: ${count} objects after the initial upload, expected ${files}`);
  const noop = tool.run(source, bucket);
  if (tool.copied(noop.output))
    throw new Error(`${tool.name}: the no-op re-sync copied files:\n${noop.output.slice(-2000)}`);
  return { initial, noop };
}

const fmt = (ms: number) => (ms / 1000).toFixed(2);

async function main() {
  await startServer();
  const builds = await buildsToRun('gcs-static-sync', join(work, 'dist'));
  const tools = [...builds.map((b) => pluginTool(builds, b)), ...(skipGcloud ? [] : [gcloudTool])];
  const gcloudVersion = skipGcloud
    ? ''
    : (spawnSync('gcloud', ['version'], {
        encoding: 'utf8',
        env: { ...process.env, ...GCLOUD_ENV(tb) },
      }).stdout.split('\n')[0] ?? '');
  console.log(`node ${process.version}; ${gcloudVersion}; ${runs} runs, interleaved\n`);

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
      for (const tool of inRoundOrder(tools, r)) {
        const m = await pair(tool, source, files);
        results.get(tool)!.initial.push(m.initial);
        results.get(tool)!.noop.push(m.noop);
        console.error(
          `${label}, run ${r + 1}, ${tool.name}: initial ${fmt(m.initial.ms)} s, no-op ${fmt(m.noop.ms)} s`,
        );
      }
    }
    const med = (xs: Measure[], k: 'ms' | 'cpuMs' | 'rssMb') => median(xs.map((x) => x[k]));
    for (const phase of ['initial', 'noop'] as const) {
      const cells = tools.flatMap((tool) => {
        const xs = results.get(tool)![phase];
        return [fmt(med(xs, 'ms')), fmt(med(xs, 'cpuMs')), med(xs, 'rssMb').toFixed(0)];
      });
      const ms = (tool: Tool | undefined) => med(results.get(tool as Tool)![phase], 'ms');
      const ratio = tools.length > 1 ? `${(ms(tools.at(-1)) / ms(tools[0])).toFixed(2)}x` : '-';
      rows.push(
        `| ${label} | ${phase === 'initial' ? 'initial upload' : 'no-op re-sync'} | ${cells.join(' | ')} | ${ratio} |`,
      );
    }
    rmSync(source, { recursive: true, force: true });
  }
  // The last column is the last tool's time over the first's: gcloud's over ours (our speed-up),
  // or, with --build a=… --build b=… --skip-gcloud, b's over a's.
  const ratioHeader = tools.length > 1 ? `${tools.at(-1)?.name} / ${tools[0]?.name}` : 'ratio';
  const toolHeaders = tools.map((t) => `${t.name} s | CPU s | peak MB`);
  console.log(`| data | phase | ${toolHeaders.join(' | ')} | ${ratioHeader} |`);
  console.log(`| --- | --- | ${tools.map(() => '--- | --- | ---').join(' | ')} | --- |`);
  for (const r of rows) console.log(r);

  if (!skipScale) {
    console.log(
      '\n| files (4 KB) | initial s | initial CPU s | CPU µs/file | peak MB | no-op s | no-op CPU s | CPU µs/file | peak MB |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const n of scale) {
      const source = makeDataset(`scale-${n}`, n, 4096);
      const { initial, noop } = await pair(tools[0] as Tool, source, n);
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
