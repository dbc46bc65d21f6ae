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
//   GET|POST /v1/projects/{p}/location/global/prometheus/api/v1/{query,query_range,...}
//                                    Managed Service for Prometheus (monitoring.googleapis.com),
//                                    forwarded to the testbed's Prometheus
//   *    /v1/projects/{n}/locations/{l}/gkeMemberships/{m}/...   Connect gateway
//                                    (connectgateway.googleapis.com), relayed to the member
//                                    cluster's apiserver after the token check (gke-connect.ts)
//   GET  /_testbed/health
//
// Control API for tests (on the same port):
//   POST   /_testbed/faults   {"sequence":[503,429,"reset"],"match":"/clusters/"}  fault the next
//                             matching requests ("METHOD /path" contains `match`) in order
//   GET    /_testbed/faults   -> {"injected":[{"request","fault"}],"pending":[...]}
//   DELETE /_testbed/faults
//   PUT    /_testbed/clusters    [GkeClusterConfig...]  replaces the clusters served (the
//                             launcher starts this server before the clusters are up)
//   GET|DELETE /_testbed/gateway  the requests that went through the Connect gateway
//   PATCH  /_testbed/clusters/{name}  {"status":"RECONCILING",...}  fields merged into that
//                             cluster's resource (null deletes a field); DELETE undoes all patches
//
// Every access token handed out is `accessToken`, the bearer token the local apiservers
// accept, so a token obtained the real way works against the clusters. The parts: gke-auth.ts
// (token endpoints), gke-clusters.ts (Kubernetes Engine API), gke-prometheus.ts (Managed
// Prometheus), gke-faults.ts, gke-api.ts (shared).
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import {
  type GkeContext,
  type GkeServerConfig,
  googleApiError,
  type Handler,
  newContext,
} from './gke-api.ts';
import { authHandlers } from './gke-auth.ts';
import { clusterHandlers } from './gke-clusters.ts';
import { CONNECT_GATEWAY_ROUTE, connectGateway, gatewayRecord } from './gke-connect.ts';
import { controlFaults, nextFault } from './gke-faults.ts';
import { MANAGED_PROMETHEUS_ROUTE, managedPrometheus } from './gke-prometheus.ts';
import { isMain, type Listening, listen, runAsProcess, sendJson } from './http-util.ts';

interface Route {
  method: string;
  re: RegExp;
  handler: Handler;
}

function routesOf(ctx: GkeContext): Route[] {
  const auth = authHandlers(ctx);
  const clusters = clusterHandlers(ctx);
  const faults = controlFaults(ctx);
  const prometheus = managedPrometheus(ctx);
  return [
    { method: 'GET', re: /^\/_testbed\/faults$/, handler: faults },
    { method: 'POST', re: /^\/_testbed\/faults$/, handler: faults },
    { method: 'DELETE', re: /^\/_testbed\/faults$/, handler: faults },
    { method: 'PUT', re: /^\/_testbed\/clusters$/, handler: clusters.replaceClusters },
    { method: 'PATCH', re: /^\/_testbed\/clusters\/([^/]+)$/, handler: clusters.controlCluster },
    { method: 'DELETE', re: /^\/_testbed\/clusters\/([^/]+)$/, handler: clusters.controlCluster },
    { method: 'POST', re: /^\/token$/, handler: auth.oauthToken },
    { method: 'POST', re: /^\/v1\/token$/, handler: auth.stsToken },
    {
      method: 'POST',
      re: /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/,
      handler: auth.generateAccessToken,
    },
    {
      method: 'GET',
      re: /^\/(v1|v1beta1)\/projects\/([^/]+)\/(locations|zones)\/([^/]+)\/clusters\/([^/:]+)$/,
      handler: clusters.getCluster,
    },
    {
      method: 'GET',
      re: /^\/(v1|v1beta1)\/projects\/([^/]+)\/(locations|zones)\/([^/]+)\/clusters$/,
      handler: clusters.listClusters,
    },
    { method: 'GET', re: MANAGED_PROMETHEUS_ROUTE, handler: prometheus },
    { method: '*', re: CONNECT_GATEWAY_ROUTE, handler: connectGateway(ctx) },
    { method: 'GET', re: /^\/_testbed\/gateway$/, handler: gatewayRecord(ctx) },
    { method: 'DELETE', re: /^\/_testbed\/gateway$/, handler: gatewayRecord(ctx) },
    { method: 'POST', re: MANAGED_PROMETHEUS_ROUTE, handler: prometheus },
    {
      method: 'GET',
      re: /^\/_testbed\/health$/,
      handler: (_req, res) => sendJson(res, 200, { ok: true, name: 'gke' }),
    },
  ];
}

/** Answers with a planned fault when one is due; true when it did. */
function injectFault(ctx: GkeContext, req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (path.startsWith('/_testbed/')) return false;
  const fault = nextFault(ctx, `${req.method} ${path}`);
  if (fault === undefined) return false;
  if (fault === 'reset') {
    req.socket.resetAndDestroy();
    return true;
  }
  req.on('end', () => googleApiError(res, fault, `Injected by the testbed (HTTP ${fault}).`));
  req.resume();
  return true;
}

function dispatch(ctx: GkeContext, routes: Route[], req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'https://gke').pathname;
  const matching = routes.filter((r) => r.re.test(path));
  const route = matching.find((r) => r.method === req.method || r.method === '*');
  if (!route) {
    if (matching.length > 0) googleApiError(res, 405, `Method ${req.method} not allowed on ${path}.`);
    else googleApiError(res, 404, `The requested URL ${path} was not found on this server.`);
    return;
  }
  if (injectFault(ctx, req, res, path)) return;
  Promise.resolve(route.handler(req, res, path.match(route.re)!)).catch((err: unknown) => {
    if (!res.headersSent) {
      sendJson(res, 500, { error: { code: 500, message: String(err), status: 'INTERNAL' } });
    }
  });
}

export async function startGkeServer(config: GkeServerConfig): Promise<Listening> {
  const ctx = newContext(config);
  const routes = routesOf(ctx);
  const server = createServer(
    { cert: readFileSync(config.certFile), key: readFileSync(config.keyFile) },
    (req, res) => dispatch(ctx, routes, req, res),
  );
  const listening = await listen(server, config.port, 'https');
  ctx.selfUrl = listening.url;
  return listening;
}

if (isMain(import.meta.url)) {
  runAsProcess<GkeServerConfig>('gke', startGkeServer);
}
