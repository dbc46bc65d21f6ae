// The clusters' other endpoints, as a private GKE cluster has them, in one process:
//
//   https://127.0.0.2:<port>    each cluster's internal IP (privateClusterConfig.privateEndpoint):
//                               127.0.0.2 is loopback too, so "a route into the VPC" is the
//                               machine itself; the certificate is signed by the cluster's CA
//                               (the testbed CA) for IP 127.0.0.2, as GKE's is for its private IP
//   https://localhost:<port>    each cluster's DNS endpoint (dnsEndpointConfig.endpoint). The name
//                               resolves to 127.0.0.1 through /etc/hosts on every machine, so
//                               nothing is edited. Its certificate names only DNS:localhost and
//                               is meant to be trusted like a public one: kubeconfigs carry no
//                               CA for it, and kubectl (Go) finds the testbed CA through
//                               SSL_CERT_FILE=<state.ca.bundle> — the test-only trust path
//   GET|DELETE /_testbed/requests   (http://127.0.0.1:<control>) what went through, and where
//   GET /_testbed/health
//
// Both relay to the cluster's apiserver (relay.ts), headers and token as they came.
import { readFileSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer } from 'node:https';
import { isMain, type Listening, listen, runAsProcess, sendJson } from './http-util.ts';
import { type Relayed, relay } from './relay.ts';

export interface EndpointsConfig {
  controlPort: number;
  privateCert: { cert: string; key: string };
  dnsCert: { cert: string; key: string };
  clusters: { name: string; server: string; caPem: string; privatePort: number; dnsPort: number }[];
}

function listenOn(server: ReturnType<typeof createServer>, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

export async function startClusterEndpoints(config: EndpointsConfig): Promise<Listening> {
  const seen: Relayed[] = [];
  const tls = (c: { cert: string; key: string }) => ({
    cert: readFileSync(c.cert),
    key: readFileSync(c.key),
  });
  const servers: ReturnType<typeof createServer>[] = [];
  for (const c of config.clusters) {
    for (const [via, cert, host, port] of [
      ['private', config.privateCert, '127.0.0.2', c.privatePort],
      ['dns', config.dnsCert, '127.0.0.1', c.dnsPort],
    ] as const) {
      const server = createServer(tls(cert), (req, res) => {
        seen.push({
          via,
          cluster: c.name,
          method: req.method ?? '',
          path: req.url ?? '',
          host: req.headers.host ?? '',
        });
        relay(req, res, c);
      });
      await listenOn(server, host, port);
      servers.push(server);
    }
  }
  const control = createHttp((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/_testbed/health') return sendJson(res, 200, { ok: true, name: 'cluster-endpoints' });
    if (path !== '/_testbed/requests') return sendJson(res, 404, { error: 'not found' });
    // DELETE: what went through so far, then forgotten (splice returns what it removed).
    sendJson(res, 200, { requests: req.method === 'DELETE' ? seen.splice(0) : seen });
  });
  const listening = await listen(control, config.controlPort, 'http');
  return {
    ...listening,
    close: async () => {
      for (const s of servers) {
        s.closeAllConnections();
        s.close();
      }
      await listening.close();
    },
  };
}

if (isMain(import.meta.url)) {
  runAsProcess<EndpointsConfig>('cluster-endpoints', startClusterEndpoints);
}
