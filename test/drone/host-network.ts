// How the step containers of `drone exec` reach the testbed on 127.0.0.1 without a line in
// the pipeline file: a pass-through proxy in front of Podman's Docker API that puts every
// container it is asked to create on the host's network — what a runner host whose Docker
// daemon does that would do, and what `network_mode: host` in the file did before.
//
// Why not Podman's own settings: drone-runner-docker (compiled into drone exec) creates a bridge
// network per build and names it in every container-create request (NetworkingConfig), and
// Podman's API honours that, so containers.conf's `netns` (a default) never applies. slirp4netns'
// and pasta's allow_host_loopback exist for rootless networking only, and a create request that
// names a bridge network cannot choose them. host.containers.internal is the host's address on
// that bridge, where the testbed does not listen (127.0.0.1 only, certificates for 127.0.0.1).
// drone exec's --network only adds networks (NetworkConnect), and `host` is not one.
//
// Everything else goes through byte for byte: pulls, logs, waits, removals.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HostNetworkProxy {
  /** `unix://…`, for drone exec's DOCKER_HOST. */
  dockerHost: string;
  /** How many containers were put on the host's network. */
  created(): number;
  stop(): Promise<void>;
}

const CREATE = /^(\/v[\d.]+)?\/containers\/create(\?|$)/;

/** A container-create request's body, on the host's network and on no other. */
export function onHostNetwork(body: string): string {
  const config = JSON.parse(body) as { HostConfig?: Record<string, unknown>; NetworkingConfig?: unknown };
  config.HostConfig = { ...config.HostConfig, NetworkMode: 'host' };
  delete config.NetworkingConfig;
  return JSON.stringify(config);
}

function forward(upstream: string, req: IncomingMessage, res: ServerResponse, body?: Buffer): void {
  const headers = { ...req.headers };
  if (body) headers['content-length'] = String(body.length);
  const up = request({ socketPath: upstream, method: req.method, path: req.url, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  up.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`proxy: ${err.message}\n`);
  });
  if (body) up.end(body);
  else req.pipe(up);
}

export async function startHostNetworkProxy(upstreamSocket: string): Promise<HostNetworkProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'dgp-drone-proxy-'));
  const socketPath = join(dir, 'docker.sock');
  let created = 0;
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || !CREATE.test(req.url ?? '')) return forward(upstreamSocket, req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      created++;
      forward(upstreamSocket, req, res, Buffer.from(onHostNetwork(Buffer.concat(chunks).toString('utf8'))));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return {
    dockerHost: `unix://${socketPath}`,
    created: () => created,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
