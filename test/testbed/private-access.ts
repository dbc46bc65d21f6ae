// The ways into private clusters that the testbed offers besides their public endpoints:
// each cluster's internal IP and DNS endpoint (servers/cluster-endpoints.ts, started once the
// clusters run), its fleet membership behind the GKE stand-in's Connect gateway, and the
// forward proxy (servers/forward-proxy.ts) that `proxy_url` points at. See README.md,
// "Private clusters", for the test-only trust path of the DNS endpoint.
import { join } from 'node:path';
import { PROJECT } from './credentials.ts';
import { answers200 } from './http.ts';
import type { ClusterInfo } from './kube/cluster.ts';
import { type CertFiles, issueCert } from './pki.ts';
import { freePort, type Spawned, waitFor } from './proc.ts';
import type { EndpointsConfig } from './servers/cluster-endpoints.ts';
import type { GkeClusterConfig } from './servers/gke-api.ts';
import type { TestbedState } from './state.ts';

/** The fields a cluster gets in the state and in the GKE stand-in. */
export interface PrivateEndpoints {
  privateEndpoint: string;
  dnsEndpoint: string;
  membership: string;
}

type StartServer = (name: string, file: string, config: unknown) => Spawned;

/** Starts the clusters' internal-IP and DNS endpoints; resolves with each cluster's fields once they answer. */
export async function startClusterEndpoints(
  state: TestbedState,
  clusters: readonly ClusterInfo[],
  ca: CertFiles,
  start: StartServer,
): Promise<PrivateEndpoints[]> {
  const pki = join(state.runDir, 'pki');
  const privateCert = issueCert(ca, pki, 'private-endpoint', {
    cn: 'testbed private endpoint',
    sans: ['IP:127.0.0.2'],
    usage: 'server',
  });
  const dnsCert = issueCert(ca, pki, 'dns-endpoint', {
    cn: 'localhost',
    sans: ['DNS:localhost'],
    usage: 'server',
  });
  const ports = await Promise.all(
    clusters.map(async () => ({ privatePort: await freePort(), dnsPort: await freePort() })),
  );
  const controlPort = Number(new URL(state.access.endpointsUrl).port);
  const config: EndpointsConfig = {
    controlPort,
    privateCert,
    dnsCert,
    clusters: clusters.map((c, i) => ({
      name: c.name,
      server: c.server,
      caPem: c.caPem,
      ...(ports[i] as { privatePort: number; dnsPort: number }),
    })),
  };
  const proc = start('cluster-endpoints', 'cluster-endpoints.ts', config);
  const health = `${state.access.endpointsUrl}/_testbed/health`;
  await waitFor(() => answers200(health, { timeoutMs: 2000 }), {
    what: 'cluster endpoints',
    timeoutMs: 20_000,
    proc,
  });
  return clusters.map((c, i) => ({
    privateEndpoint: `127.0.0.2:${ports[i]?.privatePort}`,
    dnsEndpoint: `localhost:${ports[i]?.dnsPort}`,
    membership: `projects/${PROJECT.number}/locations/global/memberships/${c.name}`,
  }));
}

/** The clusters as the GKE stand-in serves them, with their private endpoints and fleet memberships. */
export function withPrivateEndpoints(
  forGke: GkeClusterConfig[],
  extra: readonly PrivateEndpoints[],
): GkeClusterConfig[] {
  return forGke.map((c, i) => ({ ...c, ...extra[i] }));
}
