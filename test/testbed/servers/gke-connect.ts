// The Connect gateway of the GKE stand-in (connectgateway.googleapis.com):
//
//   * /v1/projects/{number}/locations/{l}/gkeMemberships/{m}/<apiserver path>
//
// The bearer token is checked like every Google API's (a Google access token, not a cluster
// credential), the membership found among the clusters' fleet memberships, and the rest of
// the path relayed to that cluster's apiserver with the same token (the local apiservers
// accept it, as the gateway's impersonation would). Each request is recorded:
//   GET|DELETE /_testbed/gateway
import { authorized, type GkeContext, googleApiError, type Handler } from './gke-api.ts';
import { sendJson } from './http-util.ts';
import { relay } from './relay.ts';

export const CONNECT_GATEWAY_ROUTE =
  /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/gkeMemberships\/([^/]+)(\/.*)?$/;

export function connectGateway(ctx: GkeContext): Handler {
  return (req, res, m) => {
    const [, project = '', location = '', name = '', rest = '/'] = m;
    if (!authorized(ctx, req, res, project)) return;
    const membership = `projects/${project}/locations/${location}/memberships/${name}`;
    const cluster = ctx.config.clusters.find((c) => c.membership === membership);
    if (!cluster) return googleApiError(res, 404, `Membership ${membership} was not found.`);
    const query = new URL(req.url ?? '/', 'https://gateway').search;
    ctx.gateway.push({
      via: 'gateway',
      cluster: cluster.name,
      method: req.method ?? '',
      path: rest + query,
      host: req.headers.host ?? '',
    });
    relay(req, res, { server: `https://${cluster.endpoint}`, caPem: cluster.caPem }, rest + query);
  };
}

export function gatewayRecord(ctx: GkeContext): Handler {
  return (req, res) => {
    const requests = req.method === 'DELETE' ? ctx.gateway.splice(0) : ctx.gateway;
    sendJson(res, 200, { requests });
  };
}
