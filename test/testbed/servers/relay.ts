// A request passed on to a cluster's apiserver (HTTPS, trusted by the cluster's CA) and its
// answer streamed back: what the testbed's private endpoint, DNS endpoint and Connect
// gateway do in front of the local clusters. Watches stream through unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:https';

export interface Upstream {
  /** https://127.0.0.1:<port> of the apiserver. */
  server: string;
  caPem: string;
}

/** Relays `req` to `upstream` at `path` (default: the request's own), headers as they came. */
export function relay(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: Upstream,
  path = req.url ?? '/',
): void {
  const target = new URL(path, upstream.server);
  const headers = { ...req.headers, host: target.host };
  const out = request(target, { method: req.method, headers, ca: upstream.caPem }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`relay to ${target.host} failed: ${err.message}\n`);
  });
  res.on('close', () => out.destroy());
  req.pipe(out);
}

/** One request that went through, as the tests read it back. */
export interface Relayed {
  /** Which way in: private, dns, gateway, proxy. */
  via: string;
  cluster: string;
  method: string;
  path: string;
  /** The Host header (private, dns) or the CONNECT target (proxy). */
  host: string;
}
