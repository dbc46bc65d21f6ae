// The testbed's clusters: started in parallel (kube/cluster.ts, loaded only when needed),
// recorded in the state, and described to the GKE endpoints as the clusters of the project.
import { join } from 'node:path';
import { errorMessage } from '../../common/errors.ts';
import { PROJECT } from './credentials.ts';
import { httpGet } from './http.ts';
import type { ClusterInfo } from './kube/cluster.ts';
import { loadModule } from './load.ts';
import type { CertFiles } from './pki.ts';
import type { Spawned } from './proc.ts';
import type { GkeClusterConfig } from './servers/gke-api.ts';
import type { ClusterState, TestbedState } from './state.ts';
import type { ToolPaths } from './tools.ts';

/** GKE regions the clusters are named after, in order. */
export const REGIONS = [
  'asia-northeast1',
  'us-central1',
  'europe-west1',
  'us-east1',
  'asia-southeast1',
  'europe-west4',
  'us-west1',
  'australia-southeast1',
];

type ClusterModule = typeof import('./kube/cluster.ts');

export interface ClustersOptions {
  count: number;
  nodes: number | undefined;
  ca: CertFiles;
  tools: ToolPaths;
  log: (line: string) => void;
  track: (p: Spawned) => Spawned;
}

/** Starts `count` clusters; every process started is tracked, even when another cluster fails. */
export async function startClusters(state: TestbedState, opts: ClustersOptions): Promise<ClusterInfo[]> {
  if (opts.count === 0) return [];
  const names = REGIONS.slice(0, opts.count);
  const { startCluster } = await loadModule<ClusterModule>('./kube/cluster.ts', 'the cluster launcher');
  const settled = await Promise.allSettled(
    names.map((name) =>
      startCluster({
        name,
        dir: join(state.runDir, 'clusters', name),
        logDir: join(state.logDir, name),
        ca: opts.ca,
        token: state.token,
        ...(opts.nodes !== undefined ? { nodes: opts.nodes } : {}),
        tools: opts.tools,
        log: opts.log,
      }),
    ),
  );
  for (const s of settled) if (s.status === 'fulfilled') s.value.processes.forEach(opts.track);
  const failures = settled.flatMap((s, i) =>
    s.status === 'rejected' ? [`cluster ${names[i]}: ${errorMessage(s.reason)}`] : [],
  );
  if (failures.length > 0) throw new Error(`starting clusters failed:\n${failures.join('\n')}`);
  return settled.map((s) => (s as PromiseFulfilledResult<ClusterInfo>).value);
}

/** A cluster as the state file records it, with its Kubernetes version when it answers. */
export async function clusterState(c: ClusterInfo, token: string): Promise<ClusterState> {
  let version: string | undefined;
  try {
    const v = await httpGet(`${c.server}/version`, { ca: c.caPem, token, timeoutMs: 2000 });
    version = (JSON.parse(v.body) as { gitVersion?: string }).gitVersion;
  } catch {
    version = undefined;
  }
  const entry: ClusterState = {
    name: c.name,
    location: c.name,
    server: c.server,
    endpoint: new URL(c.server).host,
    caFile: c.caFile,
    adminKubeconfig: c.adminKubeconfig,
    context: `gke_${PROJECT.id}_${c.name}_${c.name}`,
    dir: c.dir,
  };
  if (version) entry.version = version;
  return entry;
}

/** The clusters as the GKE endpoints serve them (version x.y.z-gke.0). */
export function gkeClusters(clusters: ClusterInfo[], states: ClusterState[], nodes = 3): GkeClusterConfig[] {
  return clusters.map((c, i) => {
    const v = /^v?(\d+\.\d+\.\d+)/.exec(states[i]?.version ?? '');
    return {
      name: c.name,
      location: c.name,
      endpoint: new URL(c.server).host,
      caPem: c.caPem,
      ...(v ? { version: `${v[1]}-gke.0` } : {}),
      nodes,
    };
  });
}
