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
// It can also move a host path that a step mounts (`binds`: the release pipeline's
// /run/podman/podman.sock, a runner host's Podman socket) to where this machine has it.
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

/** Host path as the pipeline names it -> the path on this machine. */
export type BindMap = Record<string, string>;

/** A container-create request's body, on the host's network and on no other, its binds moved. */
export function onHostNetwork(body: string, binds: BindMap = {}): string {
  const config = JSON.parse(body) as {
    HostConfig?: { Binds?: string[]; [key: string]: unknown };
    NetworkingConfig?: unknown;
  };
  const moved = config.HostConfig?.Binds?.map((b) => {
    const [source, ...rest] = b.split(':');
    const to = binds[source!];
    return to === undefined ? b : [to, ...rest].join(':');
  });
  config.HostConfig = { ...config.HostConfig, ...(moved ? { Binds: moved } : {}), NetworkMode: 'host' };
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

export async function startHostNetworkProxy(
  upstreamSocket: string,
  binds: BindMap = {},
): Promise<HostNetworkProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'dgp-drone-proxy-'));
  const socketPath = join(dir, 'docker.sock');
  let created = 0;
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || !CREATE.test(req.url ?? '')) return forward(upstreamSocket, req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      created++;
      forward(
        upstreamSocket,
        req,
        res,
        Buffer.from(onHostNetwork(Buffer.concat(chunks).toString('utf8'), binds)),
      );
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
