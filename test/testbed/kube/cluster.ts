// A real Kubernetes control plane on 127.0.0.1, standing in for one GKE cluster: etcd,
// kube-apiserver, kube-controller-manager and kube-scheduler built from a Kubernetes release,
// and kwok playing the kubelet of a few fake nodes (see stages.yaml for how pods behave,
// including the `registry.local/app:broken` failure marker). Nothing runs containers.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CertFiles } from '../pki.ts';
import { ensureRsaKey, issueCert, readPem } from '../pki.ts';
import type { Spawned } from '../proc.ts';
import { freePort, killPids, spawnDetached, tailLog, waitFor } from '../proc.ts';
import type { ToolPaths } from '../tools.ts';

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

/** The user name the static token authenticates as. */
export const TOKEN_USER = 'gke-deployer';

/** Nodes kwok manages carry this annotation (and only they). */
export const FAKE_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

/** A pod with a container of exactly this image runs but never becomes Ready (see stages.yaml). */
export const BROKEN_IMAGE = 'registry.local/app:broken';

const STAGES_FILE = join(dirname(fileURLToPath(import.meta.url)), 'stages.yaml');

// Controllers a deployment rollout and ordinary workloads need. Left out on purpose: node
// IPAM, node lifecycle and taint eviction (fake nodes have no kubelet heartbeat to judge and no
// pod CIDRs to hand out), volumes, certificate signing, bootstrap tokens and autoscaling.
const CONTROLLERS = [
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'namespace-controller',
  'garbage-collector-controller',
  'deployment-controller',
  'replicaset-controller',
  'replicationcontroller-controller',
  'statefulset-controller',
  'daemonset-controller',
  'job-controller',
  'cronjob-controller',
  'ttl-after-finished-controller',
  'pod-garbage-collector-controller',
  'disruption-controller',
  'endpoints-controller',
  'endpointslice-controller',
  'clusterrole-aggregation-controller',
  'service-cidr-controller',
];

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

interface TlsClient {
  ca: string;
  cert?: string;
  key?: string;
  token?: string;
}

/** One request over TLS (no proxy: the testbed talks to 127.0.0.1 only); `body` is sent as JSON. */
export function httpsRequest(
  method: string,
  url: string,
  tls: TlsClient,
  opts: { body?: unknown; timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (tls.token !== undefined) headers['authorization'] = `Bearer ${tls.token}`;
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const req = request(
      url,
      { method, ca: tls.ca, cert: tls.cert, key: tls.key, headers, agent: false, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A GET over TLS, e.g. with `{ ca, token }` to act as the token user. */
export function httpsGet(
  url: string,
  tls: TlsClient,
  timeoutMs = 5000,
): Promise<{ status: number; body: string }> {
  return httpsRequest('GET', url, tls, { timeoutMs });
}

interface KubeconfigUser {
  cert?: CertFiles;
  token?: string;
}

/** Writes a kubeconfig with everything embedded, so the file can be copied anywhere. */
export function writeKubeconfig(
  file: string,
  name: string,
  server: string,
  caPem: string,
  user: KubeconfigUser,
): void {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const creds: string[] = [];
  if (user.cert) {
    creds.push(`    client-certificate-data: ${b64(readPem(user.cert.cert))}`);
    creds.push(`    client-key-data: ${b64(readPem(user.cert.key))}`);
  }
  if (user.token !== undefined) creds.push(`    token: ${JSON.stringify(user.token)}`);
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caPem)}`,
    'users:',
    `- name: ${name}`,
    '  user:',
    ...creds,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    '    namespace: default',
    `current-context: ${name}`,
    '',
  ].join('\n');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text, { mode: 0o600 });
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

function nodeManifests(cluster: string, count: number): object[] {
  const zones = ['a', 'b', 'c'];
  const items = Array.from({ length: count }, (_, i) => {
    const name = `gke-${cluster}-pool-${i}`;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { [FAKE_NODE_ANNOTATION]: 'fake' },
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node.kubernetes.io/instance-type': 'e2-standard-4',
          'topology.kubernetes.io/region': cluster,
          'topology.kubernetes.io/zone': `${cluster}-${zones[i % zones.length]}`,
          type: 'kwok',
        },
      },
      spec: {},
    };
  });
  return items;
}

interface NodeList {
  items: { status?: { conditions?: { type: string; status: string }[] } }[];
}

export async function startCluster(opts: StartClusterOptions): Promise<ClusterInfo> {
  // A free port can be taken by another process between freePort() and the bind (several
  // testbeds may start at once): then start again on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
      opts.log?.(`[${opts.name}] a port was taken meanwhile; starting again on other ports`);
    }
  }
}

async function startOnce(opts: StartClusterOptions): Promise<ClusterInfo> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const nodes = opts.nodes ?? 3;
  if (/[,\s"]/.test(opts.token) || opts.token === '')
    throw new Error('the cluster token must be non-empty, without commas, quotes or spaces');
  // A fresh cluster each time: old etcd data or certificates from another CA would only confuse.
  for (const sub of ['etcd', 'pki', 'kubeconfig', 'kwok-home'])
    rmSync(join(opts.dir, sub), { recursive: true, force: true });
  mkdirSync(opts.dir, { recursive: true });
  const pki = join(opts.dir, 'pki');
  const kcDir = join(opts.dir, 'kubeconfig');

  const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort, kwokPort] = [
    await uniquePort(),
    await uniquePort(),
    await uniquePort(),
    await uniquePort(),
    await uniquePort(),
    await uniquePort(),
  ] as [number, number, number, number, number, number];
  const server = `https://127.0.0.1:${apiPort}`;
  const caPem = readPem(opts.ca.cert);

  const loopback = ['IP:127.0.0.1', 'DNS:localhost'];
  const apiCert = issueCert(opts.ca, pki, 'kube-apiserver', {
    cn: 'kube-apiserver',
    sans: [
      ...loopback,
      'IP:10.96.0.1',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
    ],
    usage: 'server',
  });
  const admin = issueCert(opts.ca, pki, 'admin', { cn: 'admin', orgs: ['system:masters'], usage: 'client' });
  const kcm = issueCert(opts.ca, pki, 'kube-controller-manager', {
    cn: 'system:kube-controller-manager',
    sans: loopback,
    usage: 'both',
  });
  const sched = issueCert(opts.ca, pki, 'kube-scheduler', {
    cn: 'system:kube-scheduler',
    sans: loopback,
    usage: 'both',
  });
  const frontProxy = issueCert(opts.ca, pki, 'front-proxy-client', {
    cn: 'front-proxy-client',
    usage: 'client',
  });
  const sa = ensureRsaKey(pki, 'service-account');

  const adminKubeconfig = join(kcDir, 'admin.kubeconfig');
  const kcmKubeconfig = join(kcDir, 'kube-controller-manager.kubeconfig');
  const schedKubeconfig = join(kcDir, 'kube-scheduler.kubeconfig');
  writeKubeconfig(adminKubeconfig, opts.name, server, caPem, { cert: admin });
  writeKubeconfig(kcmKubeconfig, opts.name, server, caPem, { cert: kcm });
  writeKubeconfig(schedKubeconfig, opts.name, server, caPem, { cert: sched });
  const tokenFile = join(pki, 'tokens.csv');
  writeFileSync(tokenFile, `${opts.token},${TOKEN_USER},${TOKEN_USER},"system:masters"\n`, { mode: 0o600 });

  // Children get no proxy settings: everything they talk to is on 127.0.0.1.
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '', HOME: join(opts.dir, 'kwok-home') };
  const processes: Spawned[] = [];
  const spawnIt = (what: string, cmd: string, args: string[]): Spawned => {
    const p = spawnDetached(`${opts.name}-${what}`, cmd, args, { logDir: opts.logDir, env, cwd: opts.dir });
    processes.push(p);
    return p;
  };
  const adminTls: TlsClient = { ca: caPem, cert: readPem(admin.cert), key: readPem(admin.key) };
  const step = (what: string) =>
    log(`[${opts.name}] ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  try {
    const etcd = spawnIt('etcd', opts.tools.etcd, [
      `--name=${opts.name}`,
      `--data-dir=${join(opts.dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=${opts.name}=http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster-state=new',
      // Test data: durability is not worth the fsyncs.
      '--unsafe-no-fsync',
      '--auto-compaction-retention=1',
      '--log-level=warn',
    ]);
    await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${etcdClient}/health`);
        return res.ok && ((await res.json()) as { health?: string }).health === 'true';
      },
      { what: `etcd of ${opts.name}`, timeoutMs: 30_000, proc: etcd },
    );
    step('etcd ready');

    const apiserver = spawnIt('kube-apiserver', opts.tools.kubeApiserver, [
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${apiCert.cert}`,
      `--tls-private-key-file=${apiCert.key}`,
      `--cert-dir=${join(pki, 'apiserver-generated')}`,
      `--client-ca-file=${opts.ca.cert}`,
      `--token-auth-file=${tokenFile}`,
      '--authorization-mode=Node,RBAC',
      `--service-account-key-file=${sa.publicKey}`,
      `--service-account-signing-key-file=${sa.privateKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.96.0.0/16',
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      // Nodes created by the apiserver's admission get a not-ready taint that only the node
      // lifecycle controller lifts; fake nodes have no kubelet heartbeat for it to judge, so
      // that controller is off and the taint is not added (the nodes are Ready at once).
      '--disable-admission-plugins=TaintNodesByCondition',
      // The front-proxy CA (the controller-manager and scheduler read it for delegated auth).
      `--requestheader-client-ca-file=${opts.ca.cert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${frontProxy.cert}`,
      `--proxy-client-key-file=${frontProxy.key}`,
      // The apiserver would publish its address as the endpoint of the `kubernetes` service, and
      // validation refuses loopback addresses there (error loop, slow shutdown); nothing
      // in the testbed reaches the apiserver through that service.
      '--endpoint-reconciler-type=none',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      '--event-ttl=1h',
    ]);
    await waitFor(
      async () => {
        const res = await httpsGet(`${server}/readyz`, adminTls, 2000);
        return res.status === 200;
      },
      {
        what: `kube-apiserver of ${opts.name} (${server}/readyz)`,
        timeoutMs: 90_000,
        intervalMs: 250,
        proc: apiserver,
      },
    );
    step('kube-apiserver ready');

    const kcmProc = spawnIt('kube-controller-manager', opts.tools.kubeControllerManager, [
      `--kubeconfig=${kcmKubeconfig}`,
      `--authentication-kubeconfig=${kcmKubeconfig}`,
      `--authorization-kubeconfig=${kcmKubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      `--tls-cert-file=${kcm.cert}`,
      `--tls-private-key-file=${kcm.key}`,
      `--client-ca-file=${opts.ca.cert}`,
      `--service-account-private-key-file=${sa.privateKey}`,
      `--root-ca-file=${opts.ca.cert}`,
      '--use-service-account-credentials=true',
      `--controllers=${CONTROLLERS.join(',')}`,
      '--leader-elect=false',
      '--kube-api-qps=100',
      '--kube-api-burst=200',
      '--profiling=false',
    ]);
    const schedProc = spawnIt('kube-scheduler', opts.tools.kubeScheduler, [
      `--kubeconfig=${schedKubeconfig}`,
      `--authentication-kubeconfig=${schedKubeconfig}`,
      `--authorization-kubeconfig=${schedKubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${schedPort}`,
      `--tls-cert-file=${sched.cert}`,
      `--tls-private-key-file=${sched.key}`,
      `--client-ca-file=${opts.ca.cert}`,
      '--leader-elect=false',
      '--profiling=false',
    ]);
    const kwokProc = spawnIt('kwok', opts.tools.kwok, [
      `--kubeconfig=${adminKubeconfig}`,
      `--config=${STAGES_FILE}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION}=fake`,
      '--node-ip=127.0.0.1',
      '--cidr=10.244.0.0/16',
      '--node-lease-duration-seconds=40',
      `--server-address=127.0.0.1:${kwokPort}`,
    ]);

    // Straight to the API: a kubectl process (start-up, discovery) costs seconds on a busy machine.
    await Promise.all(
      nodeManifests(opts.name, nodes).map(async (node) => {
        const res = await httpsRequest('POST', `${server}/api/v1/nodes`, adminTls, { body: node });
        if (res.status !== 201 && res.status !== 409)
          throw new Error(`creating a node: HTTP ${res.status} ${res.body}`);
      }),
    );
    step(`${nodes} fake nodes created`);

    const healthz = (port: number, proc: Spawned) =>
      waitFor(
        async () => (await httpsGet(`https://127.0.0.1:${port}/healthz`, { ca: caPem }, 2000)).status === 200,
        {
          what: `${proc.name} (https://127.0.0.1:${port}/healthz)`,
          timeoutMs: 60_000,
          intervalMs: 250,
          proc,
        },
      );
    await Promise.all([
      healthz(kcmPort, kcmProc),
      healthz(schedPort, schedProc),
      waitFor(
        async () => {
          const res = await httpsGet(`${server}/api/v1/nodes`, adminTls);
          if (res.status !== 200) return false;
          const ready = (JSON.parse(res.body) as NodeList).items.filter((n) =>
            n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          );
          return ready.length >= nodes;
        },
        {
          what: `${nodes} Ready nodes on ${opts.name} (kwok)`,
          timeoutMs: 60_000,
          intervalMs: 250,
          proc: kwokProc,
        },
      ),
      waitFor(
        async () =>
          (await httpsGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, adminTls)).status ===
          200,
        {
          what: `the default service account on ${opts.name} (kube-controller-manager)`,
          timeoutMs: 60_000,
          intervalMs: 250,
          proc: kcmProc,
        },
      ),
    ]);
    step('cluster ready');
  } catch (err) {
    await killPids(processes.map((p) => p.pid));
    const logs = processes.map((p) => `--- ${p.logFile} ---\n${tailLog(p.logFile, 10)}`).join('\n');
    throw new Error(`starting cluster ${opts.name} failed: ${(err as Error).message}\n${logs}`);
  }

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
