// The Kubernetes Engine API of the GKE stand-in: clusters read (one, or a list per location),
// and the test controls that replace the clusters served and patch their fields.
import { createHash } from 'node:crypto';
import {
  authorized,
  type GkeClusterConfig,
  type GkeContext,
  googleApiError,
  type Handler,
} from './gke-api.ts';
import { readBody, sendJson } from './http-util.ts';

function zonesOf(location: string): string[] {
  return /-[a-z]$/.test(location) ? [location] : ['a', 'b', 'c'].map((z) => `${location}-${z}`);
}

/** The control plane's endpoints (public, internal IP, DNS) and its fleet membership. */
function privateFields(c: GkeClusterConfig): Record<string, unknown> {
  return {
    controlPlaneEndpointsConfig: {
      ipEndpointsConfig: {
        enabled: true,
        enablePublicEndpoint: true,
        publicEndpoint: c.endpoint,
        ...(c.privateEndpoint ? { privateEndpoint: c.privateEndpoint } : {}),
      },
      ...(c.dnsEndpoint
        ? { dnsEndpointConfig: { endpoint: c.dnsEndpoint, allowExternalTraffic: true } }
        : {}),
    },
    ...(c.privateEndpoint
      ? {
          privateClusterConfig: {
            enablePrivateNodes: true,
            privateEndpoint: c.privateEndpoint,
            publicEndpoint: c.endpoint,
          },
        }
      : {}),
    ...(c.membership
      ? { fleet: { project: c.membership.replace(/\/locations\/.*$/, ''), membership: c.membership } }
      : {}),
  };
}

/** The fields of a `Cluster` resource (container/v1) that clients read, plus plausible others. */
export function clusterResource(
  project: string,
  c: GkeClusterConfig,
  createTime: string,
): Record<string, unknown> {
  const version = c.version ?? '1.31.0-gke.0';
  const zones = zonesOf(c.location);
  const selfLink = `https://container.googleapis.com/v1/projects/${project}/locations/${c.location}/clusters/${c.name}`;
  const nodes = c.nodes ?? 1;
  const id = createHash('sha256').update(`${project}/${c.location}/${c.name}`).digest('hex').slice(0, 32);
  return {
    name: c.name,
    description: 'drone-gke-plugins testbed cluster',
    nodeConfig: { machineType: 'e2-standard-4', diskSizeGb: 100, imageType: 'COS_CONTAINERD' },
    masterAuth: { clusterCaCertificate: Buffer.from(c.caPem).toString('base64') },
    loggingService: 'logging.googleapis.com/kubernetes',
    monitoringService: 'monitoring.googleapis.com/kubernetes',
    network: 'default',
    clusterIpv4Cidr: '10.8.0.0/14',
    addonsConfig: {},
    nodePools: [
      {
        name: 'default-pool',
        config: { machineType: 'e2-standard-4', diskSizeGb: 100, imageType: 'COS_CONTAINERD' },
        initialNodeCount: nodes,
        locations: zones,
        selfLink: `${selfLink}/nodePools/default-pool`,
        version,
        status: 'RUNNING',
      },
    ],
    locations: zones,
    labelFingerprint: 'a9dc16a7',
    legacyAbac: {},
    ipAllocationPolicy: { useIpAliases: true, servicesIpv4CidrBlock: '10.96.0.0/12' },
    masterAuthorizedNetworksConfig: {},
    networkConfig: { network: `projects/${project}/global/networks/default` },
    releaseChannel: { channel: 'REGULAR' },
    workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
    selfLink,
    zone: c.location,
    endpoint: c.endpoint,
    ...privateFields(c),
    initialClusterVersion: version,
    currentMasterVersion: version,
    currentNodeVersion: version,
    currentNodeCount: nodes,
    createTime,
    status: 'RUNNING',
    location: c.location,
    id,
    etag: id.slice(0, 16),
  };
}

/** A cluster's resource with the test's patches applied (null deletes a field). */
function clusterJson(ctx: GkeContext, c: GkeClusterConfig): Record<string, unknown> {
  const base = clusterResource(ctx.config.project, c, ctx.createTime);
  for (const [k, v] of Object.entries(ctx.patches.get(c.name) ?? {})) {
    if (v === null) delete base[k];
    else base[k] = v;
  }
  return base;
}

const findClusters = (ctx: GkeContext, location: string) =>
  ctx.config.clusters.filter((c) => location === '-' || c.location === location);

function getCluster(ctx: GkeContext): Handler {
  return (req, res, m) => {
    const [, , project, kind, location, name] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!authorized(ctx, req, res, project)) return;
    const c = findClusters(ctx, location).find((x) => x.name === name);
    if (!c) {
      return googleApiError(res, 404, `Not found: projects/${project}/${kind}/${location}/clusters/${name}.`);
    }
    sendJson(res, 200, clusterJson(ctx, c));
  };
}

function listClusters(ctx: GkeContext): Handler {
  return (req, res, m) => {
    const [, , project, , location] = m as unknown as [string, string, string, string, string];
    if (!authorized(ctx, req, res, project)) return;
    sendJson(res, 200, { clusters: findClusters(ctx, location).map((c) => clusterJson(ctx, c)) });
  };
}

function isClusterList(body: unknown): body is GkeClusterConfig[] {
  return (
    Array.isArray(body) &&
    body.every(
      (c: Partial<GkeClusterConfig>) =>
        typeof c?.name === 'string' &&
        typeof c.location === 'string' &&
        typeof c.endpoint === 'string' &&
        typeof c.caPem === 'string',
    )
  );
}

function replaceClusters(ctx: GkeContext): Handler {
  return async (req, res) => {
    const body = JSON.parse((await readBody(req)).toString('utf8') || '[]') as unknown;
    if (!isClusterList(body))
      return sendJson(res, 400, { error: 'expected [{name, location, endpoint, caPem, ...}]' });
    ctx.config.clusters = body;
    ctx.patches.clear();
    sendJson(res, 200, { ok: true, clusters: ctx.config.clusters.map((c) => c.name) });
  };
}

function controlCluster(ctx: GkeContext): Handler {
  return async (req, res, m) => {
    const name = decodeURIComponent(m[1]!);
    if (!ctx.config.clusters.some((c) => c.name === name))
      return sendJson(res, 404, { error: `no cluster ${name}` });
    if (req.method === 'DELETE') {
      ctx.patches.delete(name);
      return sendJson(res, 200, { ok: true });
    }
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, unknown>;
    ctx.patches.set(name, { ...(ctx.patches.get(name) ?? {}), ...body });
    sendJson(res, 200, { ok: true, patch: ctx.patches.get(name) });
  };
}

export function clusterHandlers(ctx: GkeContext) {
  return {
    getCluster: getCluster(ctx),
    listClusters: listClusters(ctx),
    replaceClusters: replaceClusters(ctx),
    controlCluster: controlCluster(ctx),
  };
}
