// Google Cloud Managed Service for Prometheus, as the GKE stand-in serves it: the Prometheus
// HTTP API under https://monitoring.googleapis.com/v1/projects/{project}/location/global/prometheus
// (here under the stand-in's own URL), forwarded to the testbed's Prometheus once the bearer
// token and the project pass the same check as the Kubernetes Engine API. GET and POST (form)
// queries both work, as they do at Google.
import { request } from 'node:http';
import { errorMessage } from '../../../common/errors.ts';
import { authorized, type GkeContext, googleApiError, type Handler } from './gke-api.ts';
import { readBody } from './http-util.ts';

/** The route: project and the Prometheus API path after /api/v1/. */
export const MANAGED_PROMETHEUS_ROUTE =
  /^\/v1\/projects\/([^/]+)\/location\/global\/prometheus\/api\/v1\/(.+)$/;

export function managedPrometheus(ctx: GkeContext): Handler {
  return async (req, res, m) => {
    if (!authorized(ctx, req, res, decodeURIComponent(m[1]!))) return;
    const upstream = ctx.config.prometheusUrl;
    if (!upstream) return googleApiError(res, 503, 'The testbed runs no Prometheus.');
    const body = await readBody(req, 1024 * 1024);
    const query = new URL(req.url ?? '/', 'https://gke').search;
    const headers: Record<string, string> = { accept: 'application/json' };
    const type = req.headers['content-type'];
    if (type) headers['content-type'] = type;
    const forward = request(`${upstream}/api/v1/${m[2]}${query}`, {
      method: req.method,
      headers,
      agent: false,
    });
    forward.on('response', (up) => {
      res.writeHead(up.statusCode ?? 502, {
        'content-type': up.headers['content-type'] ?? 'application/json',
      });
      up.pipe(res);
    });
    forward.on('error', (err) => {
      if (!res.headersSent)
        googleApiError(res, 503, `The Prometheus behind the stand-in failed: ${errorMessage(err)}`);
    });
    forward.end(body);
  };
}
