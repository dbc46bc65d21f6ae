// Cold start of the slack-notify bundle: from spawning `node dist/slack-notify/index.js` to its
// first request arriving at a local webhook sink, against bare node in the same run:
// `node -e 0` (spawn to exit) and a bare node script that posts to the sink (spawn to request),
// the floor any Node plugin pays. Runs are interleaved so machine noise hits every subject
// alike; the first two rounds only warm the page cache.
// On a shared machine wall time swings with the load, so when GNU time is installed each run
// also reports the CPU time (user + sys) the process used until it exited.
// Usage: npx tsx bench/slack-notify-cold-start.ts [--runs 30] [--build <label>=<dist folder> ...]
// (--build: other builds' bundles side by side, see bench/builds.ts)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildsToRun, entryOf, tagOf } from './builds.ts';
import { inRoundOrder, median, percentile } from './stats.ts';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;
if (!Number.isInteger(runs) || runs < 20) throw new Error('--runs must be a whole number of at least 20');

let onRequest: ((req: IncomingMessage) => void) | undefined;
const sink = createServer((req, res) => {
  onRequest?.(req);
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const { port } = sink.address() as AddressInfo;
const webhook = `http://127.0.0.1:${port}/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX`;

const scratch = mkdtempSync(join(tmpdir(), 'slack-notify-bench-'));
const builds = await buildsToRun('slack-notify', scratch);
const drone = {
  DRONE: 'true',
  DRONE_REPO: 'acme/web',
  DRONE_REPO_LINK: 'https://git.example.com/acme/web',
  DRONE_BUILD_NUMBER: '42',
  DRONE_BUILD_LINK: 'https://drone.example.com/acme/web/42',
  DRONE_BUILD_STATUS: 'success',
  DRONE_BUILD_EVENT: 'push',
  DRONE_BUILD_STARTED: String(Math.floor(Date.now() / 1000) - 200),
  DRONE_COMMIT_SHA: '7fd1a60b01f91b314f59955a4e4d4e80d8edf11d',
  DRONE_COMMIT_BRANCH: 'main',
  DRONE_COMMIT_MESSAGE: 'Cache the rendered manifests',
  DRONE_COMMIT_AUTHOR: 'octocat',
};
const baseEnv = { PATH: process.env.PATH ?? '' };
const barePost = `require('node:http').request(${JSON.stringify(webhook)},{method:'POST',headers:{'content-type':'application/json'}},r=>r.resume()).end('{"text":"hi"}')`;

interface Subject {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** Time to the first request at the sink; otherwise time to exit. */
  untilRequest: boolean;
}

const subjects: Subject[] = [
  { name: 'node -e 0 (spawn to exit)', args: ['-e', '0'], env: baseEnv, untilRequest: false },
  { name: 'bare node posting to the sink', args: ['-e', barePost], env: baseEnv, untilRequest: true },
  ...builds.flatMap((build): Subject[] => [
    {
      name: `slack-notify bundle, default message${tagOf(builds, build)}`,
      args: [entryOf(build, 'slack-notify')],
      env: { ...baseEnv, ...drone, PLUGIN_WEBHOOK: webhook },
      untilRequest: true,
    },
    {
      name: `slack-notify bundle, drone-slack template${tagOf(builds, build)}`,
      args: [entryOf(build, 'slack-notify')],
      env: {
        ...baseEnv,
        ...drone,
        PLUGIN_WEBHOOK: webhook,
        PLUGIN_TEMPLATE:
          '{{#success build.status}}build {{build.number}} succeeded{{else}}failed{{/success}}',
      },
      untilRequest: true,
    },
  ]),
];

const GNU_TIME = '/usr/bin/time';
const withCpu = existsSync(GNU_TIME);
const cpuFile = join(scratch, 'cpu');

interface Measured {
  /** Wall time to the first request (or to exit). */
  ms: number;
  /** CPU time (user + sys) until exit, when GNU time is there. */
  cpuMs: number | undefined;
}

function measure(s: Subject): Promise<Measured> {
  return new Promise((resolve, reject) => {
    let wall: number | undefined;
    let failed: Error | undefined;
    const t0 = process.hrtime.bigint();
    const mark = () => {
      wall ??= Number(process.hrtime.bigint() - t0) / 1e6;
    };
    if (s.untilRequest) onRequest = mark;
    const [command, args] = withCpu
      ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, process.execPath, ...s.args]]
      : [process.execPath, s.args];
    const child = spawn(command, args, { env: s.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('exit', (code) => {
      onRequest = undefined;
      if (!s.untilRequest) mark();
      if (code !== 0) failed = new Error(`${s.name} exited ${code}: ${stderr}`);
      else if (wall === undefined) failed = new Error(`${s.name} exited without posting`);
      if (failed) return reject(failed);
      const cpu = withCpu ? readFileSync(cpuFile, 'utf8').trim().split(/\s+/).map(Number) : [];
      resolve({ ms: wall as number, cpuMs: withCpu ? ((cpu[0] ?? 0) + (cpu[1] ?? 0)) * 1000 : undefined });
    });
  });
}

const times = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
const cpus = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
for (let i = 0; i < runs + 2; i++) {
  for (const s of inRoundOrder(subjects, i)) {
    const m = await measure(s);
    if (i < 2) continue;
    times.get(s.name)?.push(m.ms);
    if (m.cpuMs !== undefined) cpus.get(s.name)?.push(m.cpuMs);
  }
}
sink.close();
rmSync(scratch, { recursive: true, force: true });

const base = median(times.get(subjects[0]?.name as string) ?? []);
const cpuBase = withCpu ? median(cpus.get(subjects[0]?.name as string) ?? []) : 0;
const signed = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)} ms`;
console.log(`node ${process.version}, ${runs} runs each, interleaved\n`);
console.log(
  '| subject | median ms | p90 ms | median over node -e 0 | CPU ms to exit (median) | CPU over node -e 0 |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const s of subjects) {
  const xs = times.get(s.name) ?? [];
  const m = median(xs);
  const cpu = withCpu ? median(cpus.get(s.name) ?? []) : Number.NaN;
  const cpuCols = withCpu ? `${cpu.toFixed(0)} | ${signed(cpu - cpuBase, 0)}` : 'n/a | n/a';
  console.log(
    `| ${s.name} | ${m.toFixed(1)} | ${percentile(xs, 90).toFixed(1)} | ${signed(m - base, 1)} | ${cpuCols} |`,
  );
}
