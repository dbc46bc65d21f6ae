// The Kubernetes Engine API's clusters.get: a cluster's endpoint and CA, which is all a
// kubeconfig needs (what gcloud container clusters get-credentials does, without gcloud).
import { errorMessage, HttpError } from '../errors.ts';
import type { GoogleClient } from './auth.ts';

export const GKE_API = 'https://container.googleapis.com';

export interface GkeClusterRef {
  project: string;
  location: string;
  name: string;
}

export interface GkeCluster {
  /** https://<endpoint> of the control plane. */
  server: string;
  caPem: string;
  status: string;
  /** privateClusterConfig.privateEndpoint: the control plane's internal IP, when it has one. */
  privateEndpoint?: string | undefined;
  /** controlPlaneEndpointsConfig.dnsEndpointConfig: the DNS-based endpoint, when enabled. */
  dnsEndpoint?: { endpoint: string; allowExternalTraffic: boolean } | undefined;
  /** fleet.membership (projects/<number>/locations/<l>/memberships/<m>), when registered to a fleet. */
  membership?: string | undefined;
  /** fleet.project (projects/<number>). */
  fleetProject?: string | undefined;
}

interface ClusterBody {
  endpoint?: string;
  status?: string;
  masterAuth?: { clusterCaCertificate?: string };
  privateClusterConfig?: { privateEndpoint?: string };
  controlPlaneEndpointsConfig?: { dnsEndpointConfig?: { endpoint?: string; allowExternalTraffic?: boolean } };
  fleet?: { membership?: string; project?: string };
  error?: { message?: string };
}

/** The ways in that a cluster resource offers besides its public endpoint. */
function accessFields(body: ClusterBody): Omit<GkeCluster, 'server' | 'caPem' | 'status'> {
  const dns = body.controlPlaneEndpointsConfig?.dnsEndpointConfig;
  return {
    privateEndpoint: body.privateClusterConfig?.privateEndpoint || undefined,
    dnsEndpoint: dns?.endpoint
      ? { endpoint: dns.endpoint, allowExternalTraffic: dns.allowExternalTraffic === true }
      : undefined,
    membership: body.fleet?.membership || undefined,
    fleetProject: body.fleet?.project || undefined,
  };
}

export async function getGkeCluster(
  client: GoogleClient,
  ref: GkeClusterRef,
  endpoint = GKE_API,
): Promise<GkeCluster> {
  const path = `projects/${encodeURIComponent(ref.project)}/locations/${encodeURIComponent(ref.location)}/clusters/${encodeURIComponent(ref.name)}`;
  const url = `${endpoint.replace(/\/+$/, '')}/v1/${path}`;
  const where = `cluster "${ref.name}" in ${ref.location} (project ${ref.project})`;
  let res: { status: number; data: unknown };
  try {
    res = await client.request<unknown>({ url });
  } catch (err) {
    if (err instanceof HttpError) throw err;
    const why = `could not reach the Kubernetes Engine API for ${where}: ${errorMessage(err)}`;
    throw new HttpError(why, undefined, { cause: err });
  }
  const body = res.data as ClusterBody;
  if (res.status === 404) {
    throw new HttpError(
      `${where} was not found: check "cluster", "zone"/"region"/"location" and "project"`,
      404,
    );
  }
  if (res.status === 401 || res.status === 403) {
    throw new HttpError(
      `the credentials may not read ${where} (HTTP ${res.status}: ${body?.error?.message ?? 'forbidden'}): grant the service account roles/container.developer on the project`,
      res.status,
    );
  }
  if (res.status < 200 || res.status > 299) {
    throw new HttpError(
      `the Kubernetes Engine API answered HTTP ${res.status} for ${where}: ${body?.error?.message ?? ''}`.trim(),
      res.status,
    );
  }
  if (!body.endpoint || !body.masterAuth?.clusterCaCertificate) {
    throw new HttpError(
      `the Kubernetes Engine API returned no endpoint or CA for ${where} (status ${body.status ?? 'unknown'})`,
      res.status,
    );
  }
  return {
    server: body.endpoint.startsWith('https://') ? body.endpoint : `https://${body.endpoint}`,
    caPem: Buffer.from(body.masterAuth.clusterCaCertificate, 'base64').toString('utf8'),
    status: body.status ?? 'UNKNOWN',
    ...accessFields(body),
  };
}
