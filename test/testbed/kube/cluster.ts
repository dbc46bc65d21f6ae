// A real Kubernetes control plane on 127.0.0.1, standing in for one GKE cluster: etcd,
// kube-apiserver, kube-controller-manager and kube-scheduler built from a Kubernetes release,
// and kwok playing the kubelet of a few fake nodes (see stages.yaml for how pods behave,
// including the `registry.local/app:broken` failure marker). Nothing runs containers.
// The command lines are in flags.ts, the files they read in files.ts, the waits in ready.ts.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../../common/errors.ts';
import { writeKubeconfig } from '../kubeconfig.ts';
import { killPids } from '../pids.ts';
import type { CertFiles } from '../pki.ts';
import { readPem } from '../pki.ts';
import type { Spawned } from '../proc.ts';
import { freePort, spawnDetached, tailLog } from '../proc.ts';
import type { ToolPaths } from '../tools.ts';
import { type ClusterFiles, writeClusterFiles } from './files.ts';
import {
  apiserverArgs,
  type ClusterPorts,
  controllerManagerArgs,
  etcdArgs,
  kwokArgs,
  schedulerArgs,
} from './flags.ts';
import { createNodes, waitForApiserver, waitForControlPlane, waitForEtcd } from './ready.ts';

export interface ClusterInfo {
  /** e.g. 'asia-northeast1' (GKE region names). */
  name: string;
  /** https://127.0.0.1:<port> */
  server: string;
  caFile: string;
  caPem: string;
  /** Kubeconfig file (credentials embedded) for a client-certificate user in system:masters. */
  adminKubeconfig: string;
  /** The static bearer token this apiserver accepts (user gke-deployer, group system:masters). */
  token: string;
  /** etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok. */
  processes: Spawned[];
  dir: string;
}

export interface StartClusterOptions {
  name: string;
  /** Working folder of this cluster (etcd data, certificates, kubeconfigs); wiped at start. */
  dir: string;
  logDir: string;
  /** The testbed's CA: signs the serving and client certificates and is the client CA. */
  ca: CertFiles;
  token: string;
  /** Fake nodes, default 3. */
  nodes?: number;
  tools: ToolPaths;
  log?: (line: string) => void;
}

/** A pod with a container of exactly this image runs but never becomes Ready (see stages.yaml). */
export const BROKEN_IMAGE = 'registry.local/app:broken';

// freePort() closes its socket before returning; remember what this process handed out so
// that clusters started in parallel never get the same port.
const portsTaken = new Set<number>();
async function uniquePort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!portsTaken.has(port)) {
      portsTaken.add(port);
      return port;
    }
  }
}

/** Runs the built kubectl against `kubeconfig`; rejects with kubectl's stderr on failure. */
export function kubectl(
  tools: Pick<ToolPaths, 'kubectl'>,
  kubeconfig: string,
  args: readonly string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      tools.kubectl,
      ['--kubeconfig', kubeconfig, ...args],
      // No proxy variables: a proxy must never see traffic meant for 127.0.0.1.
      {
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '' },
        timeout: opts.timeoutMs ?? 60_000,
      },
      (err, stdout, stderr) => {
        if (err) {
          const e = new Error(`kubectl ${args.join(' ')} failed: ${stderr.trim() || err.message}`);
          Object.assign(e, { stdout, stderr, code: (err as { code?: unknown }).code });
          reject(e);
        } else resolve(stdout);
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export async function startCluster(opts: StartClusterOptions): Promise<ClusterInfo> {
  // A free port can be taken by another process between freePort() and the bind (several
  // testbeds may start at once): then start again on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test(errorMessage(err))) throw err;
      opts.log?.(`[${opts.name}] a port was taken meanwhile; starting again on other ports`);
    }
  }
}

async function clusterPorts(): Promise<ClusterPorts> {
  const [etcdClient, etcdPeer, api, kcm, sched, kwok] = [
    await uniquePort(),
    await uniquePort(),
    await uniquePort(),
    await uniquePort(),
    await uniquePort(),
    await uniquePort(),
  ] as [number, number, number, number, number, number];
  return { etcdClient, etcdPeer, api, kcm, sched, kwok };
}

/** A fresh cluster each time: old etcd data or certificates from another CA would only confuse. */
function resetClusterDir(opts: StartClusterOptions): void {
  if (/[,\s"]/.test(opts.token) || opts.token === '')
    throw new Error('the cluster token must be non-empty, without commas, quotes or spaces');
  for (const sub of ['etcd', 'pki', 'kubeconfig', 'kwok-home'])
    rmSync(join(opts.dir, sub), { recursive: true, force: true });
  mkdirSync(opts.dir, { recursive: true });
}

interface Boot {
  opts: StartClusterOptions;
  ports: ClusterPorts;
  server: string;
  files: ClusterFiles;
  spawn(what: string, cmd: string, args: string[]): Spawned;
  step(what: string): void;
}

/** Starts the processes in order, each once what it needs answers. */
async function bootControlPlane(b: Boot): Promise<void> {
  const { opts, ports, server, files } = b;
  const admin = { ca: files.caPem, cert: readPem(files.admin.cert), key: readPem(files.admin.key) };
  const etcd = b.spawn('etcd', opts.tools.etcd, etcdArgs(opts.name, opts.dir, ports));
  await waitForEtcd(opts.name, ports.etcdClient, etcd);
  b.step('etcd ready');
  const apiserver = b.spawn(
    'kube-apiserver',
    opts.tools.kubeApiserver,
    apiserverArgs(ports, files, opts.ca.cert),
  );
  await waitForApiserver(opts.name, server, admin, apiserver);
  b.step('kube-apiserver ready');
  const kcm = b.spawn(
    'kube-controller-manager',
    opts.tools.kubeControllerManager,
    controllerManagerArgs(ports, files, opts.ca.cert),
  );
  const sched = b.spawn(
    'kube-scheduler',
    opts.tools.kubeScheduler,
    schedulerArgs(ports, files, opts.ca.cert),
  );
  const kwok = b.spawn('kwok', opts.tools.kwok, kwokArgs(ports, files));
  const nodes = opts.nodes ?? 3;
  await createNodes(opts.name, server, admin, nodes);
  b.step(`${nodes} fake nodes created`);
  await waitForControlPlane({
    name: opts.name,
    server,
    admin,
    caPem: files.caPem,
    nodes,
    kcm: { port: ports.kcm, proc: kcm },
    sched: { port: ports.sched, proc: sched },
    kwok,
  });
  b.step('cluster ready');
}

async function startOnce(opts: StartClusterOptions): Promise<ClusterInfo> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  resetClusterDir(opts);
  const ports = await clusterPorts();
  const server = `https://127.0.0.1:${ports.api}`;
  const files = writeClusterFiles(opts.dir, opts.name, server, opts.ca, opts.token);
  // Children get no proxy settings: everything they talk to is on 127.0.0.1.
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '', HOME: join(opts.dir, 'kwok-home') };
  const processes: Spawned[] = [];
  const spawn = (what: string, cmd: string, args: string[]): Spawned => {
    const p = spawnDetached(`${opts.name}-${what}`, cmd, args, { logDir: opts.logDir, env, cwd: opts.dir });
    processes.push(p);
    return p;
  };
  const step = (what: string) =>
    log(`[${opts.name}] ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  try {
    await bootControlPlane({ opts, ports, server, files, spawn, step });
  } catch (err) {
    await killPids(processes.map((p) => p.pid));
    const logs = processes.map((p) => `--- ${p.logFile} ---\n${tailLog(p.logFile, 10)}`).join('\n');
    throw new Error(`starting cluster ${opts.name} failed: ${errorMessage(err)}\n${logs}`);
  }
  const { caPem, adminKubeconfig } = files;
  return {
    name: opts.name,
    server,
    caFile: opts.ca.cert,
    caPem,
    adminKubeconfig,
    token: opts.token,
    processes,
    dir: opts.dir,
  };
}

/** Stops every process of the cluster (TERM, then KILL); leaves the folder for post-mortems. */
export async function stopCluster(c: ClusterInfo): Promise<void> {
  await killPids(c.processes.map((p) => p.pid));
}

/** Writes a kubeconfig for the cluster's token user (as a plugin under test would get) to `file`. */
export function writeTokenKubeconfig(c: ClusterInfo, file: string): string {
  writeKubeconfig(file, c.name, c.server, c.caPem, { token: c.token });
  return file;
}
