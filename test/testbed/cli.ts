// The testbed's lifecycle: `tsx test/testbed/cli.ts up|down|status|env`.
//
//   up [--clusters N]  start N local clusters (default 2), the GKE/OAuth endpoints, fake-gcs-server
//                      behind the fault proxy, the Slack sink, Prometheus and the service metrics
//                      it scrapes; write .testbed/state.json
//   status             what is running and healthy, what is dead (exit 1 when not all is well)
//   env                shell `export` lines for the running testbed
//   down               stop exactly the PIDs in the state file and remove it
//
// This file is argument parsing and dispatch; the work is in lifecycle.ts (up.ts, down.ts),
// health.ts and env.ts.
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../../common/errors.ts';
import { exportLines } from './env.ts';
import { checkHealth } from './health.ts';
import { type Log, startTestbed, stopTestbed } from './lifecycle.ts';
import { releaseTestbedLockIfOurs } from './lock.ts';
import { codeHash, readState, statePath, testbedDir } from './state.ts';

interface Args {
  command: string;
  clusters?: number;
  nodes?: number;
}

function parseArgs(argv: string[]): Args {
  const [command = 'help', ...rest] = argv;
  const out: Args = { command };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? rest[++i];
      if (v === undefined || !/^\d+$/.test(v)) throw new Error(`${flag} needs a number`);
      return Number(v);
    };
    if (flag === '--clusters') out.clusters = value();
    else if (flag === '--nodes') out.nodes = value();
    else throw new Error(`unknown argument ${arg}`);
  }
  return out;
}

const USAGE = `usage: tsx test/testbed/cli.ts <command>
  up [--clusters N] [--nodes N]   start the testbed (default 2 clusters), or reuse a healthy one
  status                          what is running; exit 1 unless all is healthy
  env                             shell export lines: eval "$(npx tsx test/testbed/cli.ts env)"
  down                            stop the processes in the state file and remove it`;

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

async function up(args: Args, log: Log, started: number): Promise<number> {
  // Ctrl-C during up: stop what was started so far (the state file says, phase 'starting').
  const interrupted = () => {
    log('interrupted: stopping what was started');
    stopTestbed({ log }).finally(() => {
      releaseTestbedLockIfOurs(testbedDir());
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const { clusters, nodes } = args;
  const state = await startTestbed({
    log,
    ...(clusters !== undefined ? { clusters } : {}),
    ...(nodes !== undefined ? { nodes } : {}),
  });
  console.log(`testbed running; state in ${state.stateFile}`);
  for (const c of state.clusters) console.log(`  cluster ${c.name}: ${c.server} (context ${c.context})`);
  console.log(`  GKE/OAuth: ${state.gke.url}`);
  console.log(`  GCS: ${state.gcs.url} (fault proxy ${state.gcs.proxyUrl})`);
  console.log(`  Slack: ${state.slack.webhookUrl}`);
  console.log(`  Prometheus: ${state.prometheus.url} (managed API ${state.prometheus.managedUrl})`);
  console.log(`  done in ${seconds(started)} s; eval "$(npx tsx test/testbed/cli.ts env)"`);
  return 0;
}

async function status(): Promise<number> {
  const state = readState();
  if (!state) {
    console.log(`testbed: not running (no ${statePath()})`);
    return 1;
  }
  const health = await checkHealth(state);
  console.log(`testbed ${state.phase}, started ${state.startedAt} by pid ${state.ownerPid}`);
  for (const l of health.lines) console.log(`  ${l.ok ? 'ok  ' : 'DEAD'} ${l.what}: ${l.detail}`);
  if (state.codeHash !== codeHash()) {
    console.log('  note: the testbed code changed since it started; `up` will replace it');
  }
  console.log(health.healthy ? 'healthy' : 'NOT healthy: run `down` then `up`');
  return health.healthy ? 0 : 1;
}

function env(): number {
  const state = readState();
  if (!state) {
    console.error(`testbed: not running (no ${statePath()}); run \`up\` first`);
    return 1;
  }
  for (const line of exportLines(state)) console.log(line);
  return 0;
}

async function down(log: Log): Promise<number> {
  const stopped = await stopTestbed({ log });
  console.log(stopped ? 'testbed stopped' : 'testbed: nothing to stop');
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const started = Date.now();
  const log: Log = (line) => process.stderr.write(`[testbed +${seconds(started)}s] ${line}\n`);
  const args = parseArgs(argv);
  switch (args.command) {
    case 'up':
      return up(args, log, started);
    case 'status':
      return status();
    case 'env':
      return env();
    case 'down':
      return down(log);
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command ${args.command}\n${USAGE}`);
      return 2;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`testbed: ${errorMessage(err)}`);
      process.exit(1);
    },
  );
}
