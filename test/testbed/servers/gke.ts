// A local stand-in for the Google endpoints the GKE plugins talk to, on one HTTPS port
// (certificate from the testbed CA):
//
//   POST /token                      OAuth 2.0 token endpoint (oauth2.googleapis.com/token):
//                                    grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer with
//                                    an RS256 assertion signed by the testbed's fake service account
//   POST /v1/token                   STS token exchange (sts.googleapis.com/v1/token) for
//                                    external_account / workload identity federation credentials
//   POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken
//                                    IAM Credentials impersonation (iamcredentials.googleapis.com)
//   GET  /v1/projects/{p}/locations/{l}/clusters/{c}   Kubernetes Engine API (container.googleapis.com)
//   GET  /v1/projects/{p}/zones/{z}/clusters/{c}       (the older zonal form)
//   GET  /v1/projects/{p}/locations/{l}/clusters       (list; l may be "-")
//   GET  /_testbed/health
//
// Control API for tests (on the same port):
//   POST   /_testbed/faults   {"sequence":[503,429,"reset"],"match":"/clusters/"}  fault the next
//                             matching requests ("METHOD /path" contains `match`) in order
//   GET    /_testbed/faults   -> {"injected":[{"request","fault"}],"pending":[...]}
//   DELETE /_testbed/faults
//   PUT    /_testbed/clusters    [GkeClusterConfig...]  replaces the clusters served (the
//                             launcher starts this server before the clusters are up)
//   PATCH  /_testbed/clusters/{name}  {"status":"RECONCILING",...}  fields merged into that
//                             cluster's resource (null deletes a field); DELETE undoes all patches
//
// Every access token handed out is `accessToken`, the bearer token the local apiservers
// accept, so a token obtained the real way works against the clusters.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { isMain, type Listening, listen, readBody, runAsProcess, sendJson } from './http-util.ts';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

export interface GkeClusterConfig {
  name: string;
  /** A region (asia-northeast1) or a zone (asia-northeast1-a). */
  location: string;
  /** host:port of the apiserver, e.g. 127.0.0.1:6443. */
  endpoint: string;
  /** PEM of the CA that signed the apiserver's certificate. */
  caPem: string;
  /** Kubernetes version reported as currentMasterVersion. */
  version?: string;
  nodes?: number;
}

export interface GkeServerConfig {
  port: number;
  certFile: string;
  keyFile: string;
  project: string;
  projectNumber: string;
  /** The only bearer token the API accepts, and the one every grant returns. */
  accessToken: string;
  /** Lifetime reported as expires_in. */
  expiresIn?: number;
  serviceAccount: { email: string; publicKeyPem: string; keyId: string };
  externalAccount: { audience: string; subjectToken: string };
  clusters: GkeClusterConfig[];
}

type Handler = (req: IncomingMessage, res: ServerResponse, match: RegExpMatchArray) => Promise<void> | void;

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** Google's JSON error format for REST APIs. */
export function googleApiError(res: ServerResponse, code: number, message: string): void {
  const status = STATUS_NAMES[code] ?? 'UNKNOWN';
  const headers: Record<string, string> = {};
  if (code === 401) headers['www-authenticate'] = 'Bearer realm="https://accounts.google.com/"';
  sendJson(res, code, { error: { code, message, status } }, headers);
}

/** Google's OAuth 2.0 error format: `{"error":"invalid_grant","error_description":"..."}`. */
function oauthError(res: ServerResponse, error: string, description: string, code = 400): void {
  sendJson(res, code, { error, error_description: description });
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const raw = (await readBody(req, 1024 * 1024)).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    const obj = JSON.parse(raw) as Record<string, unknown>;
    return new URLSearchParams(Object.entries(obj).map(([k, v]): [string, string] => [k, String(v)]));
  }
  return new URLSearchParams(raw);
}

function b64urlJson(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Checks a service-account JWT-bearer assertion; returns an error description or null. */
export function checkAssertion(
  assertion: string,
  sa: { email: string; publicKeyPem: string; keyId: string },
  audiences: readonly string[],
  now = Math.floor(Date.now() / 1000),
): { error: string; description: string } | { claims: Record<string, unknown> } {
  const parts = assertion.split('.');
  if (parts.length !== 3)
    return { error: 'invalid_grant', description: 'Invalid JWT: not a JWS compact serialization.' };
  const [h, p, s] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = b64urlJson(h);
    claims = b64urlJson(p);
  } catch {
    return { error: 'invalid_grant', description: 'Invalid JWT: header or claims are not base64url JSON.' };
  }
  if (header['alg'] !== 'RS256')
    return { error: 'invalid_grant', description: 'Invalid JWT: alg must be RS256.' };
  if (header['kid'] !== undefined && header['kid'] !== sa.keyId) {
    return { error: 'invalid_grant', description: 'Invalid JWT Signature.' };
  }
  const ok = verify(
    'RSA-SHA256',
    Buffer.from(`${h}.${p}`),
    createPublicKey(sa.publicKeyPem),
    Buffer.from(s, 'base64url'),
  );
  if (!ok) return { error: 'invalid_grant', description: 'Invalid JWT Signature.' };
  if (claims['iss'] !== sa.email)
    return { error: 'invalid_grant', description: 'Invalid grant: account not found' };
  if (typeof claims['aud'] !== 'string' || !audiences.includes(claims['aud'])) {
    return { error: 'invalid_grant', description: 'Invalid JWT: Failed audience check.' };
  }
  const iat = Number(claims['iat']);
  const exp = Number(claims['exp']);
  if (!Number.isFinite(iat) || !Number.isFinite(exp) || iat > now + 300 || exp <= now || exp - iat > 3600) {
    return {
      error: 'invalid_grant',
      description:
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    };
  }
  if (claims['sub'] !== undefined && claims['sub'] !== sa.email) {
    return {
      error: 'unauthorized_client',
      description: 'Client is unauthorized to retrieve access tokens using this method.',
    };
  }
  if (typeof claims['scope'] !== 'string' || claims['scope'].trim() === '') {
    return { error: 'invalid_scope', description: 'Invalid OAuth scope or ID token audience provided.' };
  }
  return { claims };
}

function zonesOf(location: string): string[] {
  return /-[a-z]$/.test(location) ? [location] : ['a', 'b', 'c'].map((z) => `${location}-${z}`);
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
    controlPlaneEndpointsConfig: {
      ipEndpointsConfig: { enabled: true, enablePublicEndpoint: true, publicEndpoint: c.endpoint },
    },
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

export async function startGkeServer(config: GkeServerConfig): Promise<Listening> {
  const createTime = new Date().toISOString();
  const expiresIn = config.expiresIn ?? 3599;
  let selfUrl = '';

  const bearer = (req: IncomingMessage): string | null => {
    const h = req.headers.authorization;
    if (!h) return null;
    const m = /^Bearer\s+(.+)$/i.exec(h);
    return m ? m[1]!.trim() : '';
  };

  /** Checks the bearer token; answers and returns false when it is missing or wrong. */
  const authorized = (req: IncomingMessage, res: ServerResponse, project?: string): boolean => {
    const token = bearer(req);
    if (token === null) {
      googleApiError(
        res,
        401,
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      );
      return false;
    }
    if (token !== config.accessToken) {
      googleApiError(
        res,
        401,
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      );
      return false;
    }
    if (project !== undefined && project !== config.project && project !== config.projectNumber) {
      googleApiError(res, 403, `Permission denied on resource project ${project}.`);
      return false;
    }
    return true;
  };

  const tokenResponse = () => ({
    access_token: config.accessToken,
    expires_in: expiresIn,
    token_type: 'Bearer',
  });

  const oauthToken: Handler = async (req, res) => {
    const form = await readForm(req);
    const grant = form.get('grant_type');
    if (grant !== JWT_BEARER) {
      return oauthError(res, 'unsupported_grant_type', `Invalid grant_type: ${grant ?? ''}`);
    }
    const assertion = form.get('assertion');
    if (!assertion) return oauthError(res, 'invalid_request', 'Missing required parameter: assertion');
    const result = checkAssertion(assertion, config.serviceAccount, [GOOGLE_TOKEN_URL, `${selfUrl}/token`]);
    if ('error' in result) return oauthError(res, result.error, result.description);
    sendJson(res, 200, tokenResponse());
  };

  const stsToken: Handler = async (req, res) => {
    const form = await readForm(req);
    if (form.get('grant_type') !== TOKEN_EXCHANGE) {
      return oauthError(
        res,
        'unsupported_grant_type',
        `Invalid value for "grant_type": ${form.get('grant_type') ?? ''}`,
      );
    }
    if (form.get('audience') !== config.externalAccount.audience) {
      return oauthError(
        res,
        'invalid_target',
        'The target service indicated by the "audience" parameters is invalid.',
      );
    }
    const subjectType = form.get('subject_token_type') ?? '';
    if (!subjectType.startsWith('urn:ietf:params:oauth:token-type:')) {
      return oauthError(res, 'invalid_request', `Invalid value for "subject_token_type": ${subjectType}`);
    }
    if (form.get('subject_token') !== config.externalAccount.subjectToken) {
      return oauthError(
        res,
        'invalid_grant',
        'The provided subject token is invalid or does not match the pool.',
      );
    }
    sendJson(res, 200, {
      access_token: config.accessToken,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: expiresIn,
    });
  };

  const generateAccessToken: Handler = async (req, res, m) => {
    if (!authorized(req, res)) return;
    await readBody(req);
    const email = decodeURIComponent(m[1]!);
    if (email !== config.serviceAccount.email) {
      return googleApiError(res, 404, `Not found; Gaia id not found for email ${email}`);
    }
    sendJson(res, 200, {
      accessToken: config.accessToken,
      expireTime: new Date(Date.now() + expiresIn * 1000).toISOString(),
    });
  };

  const findClusters = (location: string) =>
    config.clusters.filter((c) => location === '-' || c.location === location);

  const getCluster: Handler = (req, res, m) => {
    const [, , project, kind, location, name] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!authorized(req, res, project)) return;
    const c = findClusters(location).find((x) => x.name === name);
    if (!c) {
      return googleApiError(res, 404, `Not found: projects/${project}/${kind}/${location}/clusters/${name}.`);
    }
    sendJson(res, 200, clusterJson(c));
  };

  const listClusters: Handler = (req, res, m) => {
    const [, , project, , location] = m as unknown as [string, string, string, string, string];
    if (!authorized(req, res, project)) return;
    sendJson(res, 200, {
      clusters: findClusters(location).map(clusterJson),
    });
  };

  // ---- test controls: injected faults and patched cluster fields
  let faultPlan: { sequence: (number | 'reset')[]; match?: string } = { sequence: [] };
  let injected: { request: string; fault: number | 'reset' }[] = [];
  const patches = new Map<string, Record<string, unknown>>();

  const clusterJson = (c: GkeClusterConfig) => {
    const base = clusterResource(config.project, c, createTime);
    for (const [k, v] of Object.entries(patches.get(c.name) ?? {})) {
      if (v === null) delete base[k];
      else base[k] = v;
    }
    return base;
  };

  const controlFaults: Handler = async (req, res) => {
    if (req.method === 'GET') return sendJson(res, 200, { injected, pending: faultPlan.sequence });
    if (req.method === 'DELETE') {
      faultPlan = { sequence: [] };
      injected = [];
      return sendJson(res, 200, { ok: true });
    }
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as {
      sequence?: unknown[];
      match?: string;
    };
    const seq = body.sequence ?? [];
    if (!seq.every((f) => f === 'reset' || (typeof f === 'number' && f >= 400 && f <= 599))) {
      return sendJson(res, 400, { error: 'sequence items must be HTTP error statuses or "reset"' });
    }
    faultPlan = { sequence: seq as (number | 'reset')[], ...(body.match ? { match: body.match } : {}) };
    sendJson(res, 200, { ok: true, pending: faultPlan.sequence });
  };

  const replaceClusters: Handler = async (req, res) => {
    const body = JSON.parse((await readBody(req)).toString('utf8') || '[]') as unknown;
    const valid =
      Array.isArray(body) &&
      body.every(
        (c: Partial<GkeClusterConfig>) =>
          typeof c?.name === 'string' &&
          typeof c.location === 'string' &&
          typeof c.endpoint === 'string' &&
          typeof c.caPem === 'string',
      );
    if (!valid) return sendJson(res, 400, { error: 'expected [{name, location, endpoint, caPem, ...}]' });
    config.clusters = body as GkeClusterConfig[];
    patches.clear();
    sendJson(res, 200, { ok: true, clusters: config.clusters.map((c) => c.name) });
  };

  const controlCluster: Handler = async (req, res, m) => {
    const name = decodeURIComponent(m[1]!);
    if (!config.clusters.some((c) => c.name === name))
      return sendJson(res, 404, { error: `no cluster ${name}` });
    if (req.method === 'DELETE') {
      patches.delete(name);
      return sendJson(res, 200, { ok: true });
    }
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, unknown>;
    patches.set(name, { ...(patches.get(name) ?? {}), ...body });
    sendJson(res, 200, { ok: true, patch: patches.get(name) });
  };

  /** Takes the next planned fault for this request, if any. */
  const nextFault = (line: string): number | 'reset' | undefined => {
    if (faultPlan.sequence.length === 0) return undefined;
    if (faultPlan.match !== undefined && !line.includes(faultPlan.match)) return undefined;
    const fault = faultPlan.sequence.shift()!;
    injected.push({ request: line, fault });
    return fault;
  };

  const routes: { method: string; re: RegExp; handler: Handler }[] = [
    { method: 'GET', re: /^\/_testbed\/faults$/, handler: controlFaults },
    { method: 'POST', re: /^\/_testbed\/faults$/, handler: controlFaults },
    { method: 'DELETE', re: /^\/_testbed\/faults$/, handler: controlFaults },
    { method: 'PUT', re: /^\/_testbed\/clusters$/, handler: replaceClusters },
    { method: 'PATCH', re: /^\/_testbed\/clusters\/([^/]+)$/, handler: controlCluster },
    { method: 'DELETE', re: /^\/_testbed\/clusters\/([^/]+)$/, handler: controlCluster },
    { method: 'POST', re: /^\/token$/, handler: oauthToken },
    { method: 'POST', re: /^\/v1\/token$/, handler: stsToken },
    {
      method: 'POST',
      re: /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/,
      handler: generateAccessToken,
    },
    {
      method: 'GET',
      re: /^\/(v1|v1beta1)\/projects\/([^/]+)\/(locations|zones)\/([^/]+)\/clusters\/([^/:]+)$/,
      handler: getCluster,
    },
    {
      method: 'GET',
      re: /^\/(v1|v1beta1)\/projects\/([^/]+)\/(locations|zones)\/([^/]+)\/clusters$/,
      handler: listClusters,
    },
    {
      method: 'GET',
      re: /^\/_testbed\/health$/,
      handler: (_req, res) => sendJson(res, 200, { ok: true, name: 'gke' }),
    },
  ];

  const server = createServer(
    { cert: readFileSync(config.certFile), key: readFileSync(config.keyFile) },
    (req, res) => {
      const path = new URL(req.url ?? '/', 'https://gke').pathname;
      const matching = routes.filter((r) => r.re.test(path));
      const route = matching.find((r) => r.method === req.method);
      if (!route) {
        if (matching.length > 0)
          return googleApiError(res, 405, `Method ${req.method} not allowed on ${path}.`);
        return googleApiError(res, 404, `The requested URL ${path} was not found on this server.`);
      }
      if (!path.startsWith('/_testbed/')) {
        const fault = nextFault(`${req.method} ${path}`);
        if (fault === 'reset') {
          req.socket.resetAndDestroy();
          return;
        }
        if (fault !== undefined) {
          req.on('end', () => googleApiError(res, fault, `Injected by the testbed (HTTP ${fault}).`));
          req.resume();
          return;
        }
      }
      Promise.resolve(route.handler(req, res, path.match(route.re)!)).catch((err: unknown) => {
        if (!res.headersSent) {
          sendJson(res, 500, { error: { code: 500, message: String(err), status: 'INTERNAL' } });
        }
      });
    },
  );
  const listening = await listen(server, config.port, 'https');
  selfUrl = listening.url;
  return listening;
}

if (isMain(import.meta.url)) {
  runAsProcess<GkeServerConfig>('gke', startGkeServer);
}
