// Small helpers shared by the testbed's HTTP servers: body reading, JSON answers, and the
// entry point that every server file uses when it runs as its own process.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export async function readBody(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new Error(`request body larger than ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** Parses a JSON request body; an empty body is `{}`. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const raw = (await readBody(req)).toString('utf8').trim();
  return raw === '' ? {} : JSON.parse(raw);
}

export interface Listening {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` (0 picks one) and resolves with the bound address. */
export function listen(server: Server, port: number, scheme: 'http' | 'https'): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const bound = (server.address() as AddressInfo).port;
      resolve({
        server,
        port: bound,
        url: `${scheme}://127.0.0.1:${bound}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}

/** True when `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && moduleUrl === pathToFileURL(entry).href;
}

/**
 * Runs a server file as its own process: reads the JSON config named by argv[2], starts,
 * prints one "listening" line, and closes on SIGTERM/SIGINT.
 */
export function runAsProcess<C>(name: string, start: (config: C) => Promise<Listening>): void {
  const file = process.argv[2];
  if (!file) {
    console.error(`usage: ${name} <config.json>`);
    process.exit(2);
  }
  const config = JSON.parse(readFileSync(file, 'utf8')) as C;
  start(config).then(
    (l) => {
      console.log(`${name} listening on ${l.url} (pid ${process.pid})`);
      const stop = () => {
        l.close().then(() => process.exit(0));
        setTimeout(() => process.exit(0), 2000).unref();
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (err: unknown) => {
      console.error(`${name} failed to start: ${err instanceof Error ? err.stack : String(err)}`);
      process.exit(1);
    },
  );
}
