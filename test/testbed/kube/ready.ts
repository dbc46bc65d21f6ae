// Readiness of one cluster's parts, polled straight over the API (a kubectl process costs
// seconds on a busy machine), and its fake nodes, created the same way.
import { type HttpOptions, httpGet, httpRequest } from '../http.ts';
import type { Spawned } from '../proc.ts';
import { waitFor } from '../proc.ts';
import { FAKE_NODE_ANNOTATION } from './flags.ts';

export async function waitForEtcd(name: string, clientPort: number, etcd: Spawned): Promise<void> {
  await waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${clientPort}/health`);
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    },
    { what: `etcd of ${name}`, timeoutMs: 30_000, proc: etcd },
  );
}

export async function waitForApiserver(
  name: string,
  server: string,
  admin: HttpOptions,
  apiserver: Spawned,
): Promise<void> {
  await waitFor(
    async () => (await httpGet(`${server}/readyz`, { ...admin, timeoutMs: 2000 })).status === 200,
    {
      what: `kube-apiserver of ${name} (${server}/readyz)`,
      timeoutMs: 90_000,
      intervalMs: 250,
      proc: apiserver,
    },
  );
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

/** Creates `count` fake nodes (an existing one is fine). */
export async function createNodes(
  name: string,
  server: string,
  admin: HttpOptions,
  count: number,
): Promise<void> {
  await Promise.all(
    nodeManifests(name, count).map(async (node) => {
      const res = await httpRequest('POST', `${server}/api/v1/nodes`, { ...admin, body: node });
      if (res.status !== 201 && res.status !== 409)
        throw new Error(`creating a node: HTTP ${res.status} ${res.body}`);
    }),
  );
}

function waitForHealthz(port: number, proc: Spawned, caPem: string): Promise<void> {
  return waitFor(
    async () =>
      (await httpGet(`https://127.0.0.1:${port}/healthz`, { ca: caPem, timeoutMs: 2000 })).status === 200,
    { what: `${proc.name} (https://127.0.0.1:${port}/healthz)`, timeoutMs: 60_000, intervalMs: 250, proc },
  );
}

async function readyNodes(server: string, admin: HttpOptions): Promise<number> {
  const res = await httpGet(`${server}/api/v1/nodes`, admin);
  if (res.status !== 200) return 0;
  return (JSON.parse(res.body) as NodeList).items.filter((n) =>
    n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
}

export interface ControlPlane {
  name: string;
  server: string;
  admin: HttpOptions;
  caPem: string;
  nodes: number;
  kcm: { port: number; proc: Spawned };
  sched: { port: number; proc: Spawned };
  kwok: Spawned;
}

/** Waits until the controller-manager and scheduler answer, the nodes are Ready and the default service account exists. */
export async function waitForControlPlane(cp: ControlPlane): Promise<void> {
  const poll = { timeoutMs: 60_000, intervalMs: 250 };
  const defaultSa = `${cp.server}/api/v1/namespaces/default/serviceaccounts/default`;
  await Promise.all([
    waitForHealthz(cp.kcm.port, cp.kcm.proc, cp.caPem),
    waitForHealthz(cp.sched.port, cp.sched.proc, cp.caPem),
    waitFor(async () => (await readyNodes(cp.server, cp.admin)) >= cp.nodes, {
      what: `${cp.nodes} Ready nodes on ${cp.name} (kwok)`,
      ...poll,
      proc: cp.kwok,
    }),
    waitFor(async () => (await httpGet(defaultSa, cp.admin)).status === 200, {
      what: `the default service account on ${cp.name} (kube-controller-manager)`,
      ...poll,
      proc: cp.kcm.proc,
    }),
  ]);
}
