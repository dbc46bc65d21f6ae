// The server a kubeconfig names for one GKE cluster, by its way in (access-mode.ts), from
// the cluster's resource (clusters.get), as gcloud's get-credentials --internal-ip and
// --dns-endpoint and the Connect gateway do it:
//   public           https://<endpoint>, the cluster's CA
//   internal_ip      https://<privateClusterConfig.privateEndpoint>, the cluster's CA
//   dns_endpoint     https://<controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint>, no CA:
//                    its certificate is a public one, checked with the system's CA store
//   connect_gateway  <gateway>/v1/projects/<number>/locations/<l>/gkeMemberships/<m>, no CA
// A way the cluster does not offer is a problem of the setting that asked for it.
import type { GkeCluster } from '../gcp/gke-api.ts';
import type { AccessMode, ClusterWay } from './access-mode.ts';
import { proxyForDisplay } from './access-mode.ts';

export const CONNECT_GATEWAY = 'https://connectgateway.googleapis.com';

/** How a cluster was reached, as the summary and the rollback command carry it. */
export interface AccessInfo {
  mode: AccessMode;
  /** The proxy, without its credentials. */
  proxy?: string;
  /** The fleet membership behind the Connect gateway (projects/<n>/locations/<l>/memberships/<m>). */
  membership?: string;
}

export interface ClusterEndpoint {
  server: string;
  /** Omitted where the server's certificate is a public one. */
  caPem: string | undefined;
  access: AccessInfo;
}

export type EndpointResult = { ok: true; endpoint: ClusterEndpoint } | { ok: false; problem: string };

const MEMBERSHIP = /^projects\/([^/]+)\/locations\/([^/]+)\/(?:gkeMemberships|memberships)\/([^/]+)$/;

/** The membership's full name: given in full, given as a name (the cluster's fleet project, global), or the cluster's own. */
function membershipOf(way: ClusterWay, cluster: GkeCluster, id: string): EndpointResult | string {
  const given = way.membership;
  if (given !== undefined && MEMBERSHIP.test(given)) return given;
  if (given !== undefined) {
    if (!cluster.fleetProject) {
      return {
        ok: false,
        problem: `cluster ${id} reports no fleet project, so membership "${given}" cannot be placed; give it in full: projects/<number>/locations/<location>/memberships/${given}`,
      };
    }
    return `${cluster.fleetProject}/locations/global/memberships/${given}`;
  }
  if (cluster.membership) return cluster.membership;
  return {
    ok: false,
    problem: `cluster ${id} is not registered to a fleet (its fleet.membership is empty), so the Connect gateway cannot reach it: register it (gcloud container fleet memberships register), or set "membership"`,
  };
}

function connectGateway(way: ClusterWay, cluster: GkeCluster, id: string, gateway: string): EndpointResult {
  const membership = membershipOf(way, cluster, id);
  if (typeof membership !== 'string') return membership;
  const [, project, location, name] = MEMBERSHIP.exec(membership) as RegExpExecArray;
  const server = `${gateway.replace(/\/+$/, '')}/v1/projects/${project}/locations/${location}/gkeMemberships/${name}`;
  return {
    ok: true,
    endpoint: { server, caPem: undefined, access: { mode: 'connect_gateway', membership } },
  };
}

function privateOrDns(way: ClusterWay, cluster: GkeCluster, id: string): EndpointResult {
  if (way.mode === 'internal_ip') {
    if (!cluster.privateEndpoint) {
      return {
        ok: false,
        problem: `cluster ${id} has no internal endpoint (privateClusterConfig.privateEndpoint is empty): it is not a private cluster; remove "internal_ip", or use "dns_endpoint"`,
      };
    }
    const server = `https://${cluster.privateEndpoint}`;
    return { ok: true, endpoint: { server, caPem: cluster.caPem, access: { mode: 'internal_ip' } } };
  }
  if (!cluster.dnsEndpoint) {
    return {
      ok: false,
      problem: `cluster ${id} has no DNS endpoint (controlPlaneEndpointsConfig.dnsEndpointConfig is not set): enable it (gcloud container clusters update --enable-dns-access), or remove "dns_endpoint"`,
    };
  }
  const server = `https://${cluster.dnsEndpoint.endpoint}`;
  return { ok: true, endpoint: { server, caPem: undefined, access: { mode: 'dns_endpoint' } } };
}

/** The endpoint for `way`, or why the cluster does not offer it. */
export function endpointFor(
  cluster: GkeCluster,
  way: ClusterWay,
  id: string,
  gateway = CONNECT_GATEWAY,
): EndpointResult {
  const found =
    way.mode === 'public'
      ? {
          ok: true as const,
          endpoint: { server: cluster.server, caPem: cluster.caPem, access: { mode: 'public' as const } },
        }
      : way.mode === 'connect_gateway'
        ? connectGateway(way, cluster, id, gateway)
        : privateOrDns(way, cluster, id);
  if (!found.ok || way.proxyUrl === undefined) return found;
  return {
    ok: true,
    endpoint: {
      ...found.endpoint,
      access: { ...found.endpoint.access, proxy: proxyForDisplay(way.proxyUrl) },
    },
  };
}
