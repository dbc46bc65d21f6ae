// What the GKE/OAuth endpoints' parts share: the configuration, the live state (clusters,
// patches, planned faults), Google's error format and the bearer-token check.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-util.ts';
import type { Relayed } from './relay.ts';

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
  /** host:port of its internal IP (privateClusterConfig.privateEndpoint), when it has one. */
  privateEndpoint?: string;
  /** host:port of its DNS endpoint (controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint). */
  dnsEndpoint?: string;
  /** Its fleet membership's name (projects/<number>/locations/global/memberships/<name>). */
  membership?: string;
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
  /** http://127.0.0.1:<port> of the testbed's Prometheus, behind the Managed Prometheus API. */
  prometheusUrl?: string;
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  match: RegExpMatchArray,
) => Promise<void> | void;

export type Fault = number | 'reset';

/** The server's live state; handlers read and change it. */
export interface GkeContext {
  config: GkeServerConfig;
  createTime: string;
  expiresIn: number;
  /** https://127.0.0.1:<port>, once listening. */
  selfUrl: string;
  faultPlan: { sequence: Fault[]; match?: string };
  injected: { request: string; fault: Fault }[];
  patches: Map<string, Record<string, unknown>>;
  /** What went through the Connect gateway (gke-connect.ts). */
  gateway: Relayed[];
}

export function newContext(config: GkeServerConfig): GkeContext {
  return {
    config,
    createTime: new Date().toISOString(),
    expiresIn: config.expiresIn ?? 3599,
    selfUrl: '',
    faultPlan: { sequence: [] },
    injected: [],
    patches: new Map(),
    gateway: [],
  };
}

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

const CREDENTIAL_HINT =
  'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(.+)$/i.exec(h);
  return m ? m[1]!.trim() : '';
}

/** Checks the bearer token (and the project, when given); answers and returns false when it is refused. */
export function authorized(
  ctx: GkeContext,
  req: IncomingMessage,
  res: ServerResponse,
  project?: string,
): boolean {
  const token = bearer(req);
  if (token === null) {
    googleApiError(res, 401, `Request is missing required authentication credential. ${CREDENTIAL_HINT}`);
    return false;
  }
  if (token !== ctx.config.accessToken) {
    googleApiError(res, 401, `Request had invalid authentication credentials. ${CREDENTIAL_HINT}`);
    return false;
  }
  const { config } = ctx;
  if (project !== undefined && project !== config.project && project !== config.projectNumber) {
    googleApiError(res, 403, `Permission denied on resource project ${project}.`);
    return false;
  }
  return true;
}
