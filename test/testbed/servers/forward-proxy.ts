// A forward proxy on 127.0.0.1, as a bastion in front of private control planes is: it
// tunnels CONNECT host:port (what kubectl sends for a kubeconfig's proxy-url) and records
// each tunnel, with the user of its Proxy-Authorization (never the password).
//
//   CONNECT <host>:<port>          a tunnel; 407 when `users` is set and the credentials are not one
//   GET|DELETE /_testbed/requests  the tunnels so far
//   GET /_testbed/health
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { isMain, type Listening, listen, runAsProcess, sendJson } from './http-util.ts';

export interface ForwardProxyConfig {
  port: number;
  /** user -> password the proxy accepts; none: any client. */
  users?: Record<string, string>;
}

interface Tunnel {
  target: string;
  user: string | null;
}

/** The user of a Basic Proxy-Authorization when its password is right; null when none was sent; false when wrong. */
function proxyUser(
  header: string | undefined,
  users: Record<string, string> | undefined,
): string | null | false {
  if (!header) return users ? false : null;
  const m = /^Basic\s+(.+)$/i.exec(header);
  const [user = '', password = ''] = Buffer.from(m?.[1] ?? '', 'base64')
    .toString('utf8')
    .split(/:(.*)/s);
  if (!users) return user || null;
  return users[user] !== undefined && users[user] === password ? user : false;
}

export async function startForwardProxy(config: ForwardProxyConfig): Promise<Listening> {
  const tunnels: Tunnel[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/_testbed/health') return sendJson(res, 200, { ok: true, name: 'forward-proxy' });
    if (path !== '/_testbed/requests') return sendJson(res, 404, { error: 'only CONNECT is proxied' });
    // DELETE: the tunnels so far, then forgotten (splice returns what it removed).
    sendJson(res, 200, { tunnels: req.method === 'DELETE' ? tunnels.splice(0) : tunnels });
  });
  server.on('connect', (req, client, head) => {
    const target = req.url ?? '';
    const user = proxyUser(req.headers['proxy-authorization'], config.users);
    if (user === false) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="testbed"\r\n\r\n',
      );
      return;
    }
    tunnels.push({ target, user });
    const [host = '', port = '443'] = target.split(/:(?=\d+$)/);
    const upstream = connect(Number(port), host.replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });
  return listen(server, config.port, 'http');
}

if (isMain(import.meta.url)) {
  runAsProcess<ForwardProxyConfig>('forward-proxy', startForwardProxy);
}
