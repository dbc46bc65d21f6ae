// A unit-test stand-in for a Prometheus HTTP API on 127.0.0.1: it answers GET
// <prefix>/api/v1/query with what the test scripts, and records every request. It is not
// Prometheus: the e2e tests query a real one in the testbed.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Request {
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
}

export interface Answer {
  status?: number;
  body: string;
}

export interface StandIn {
  base: string;
  requests: Request[];
  close(): Promise<void>;
}

/** Serves `answer(query, n)` for the n-th request (0-based) of each query; it may wait. */
export async function startStandIn(
  answer: (query: string, n: number) => Answer | Promise<Answer>,
  prefix = '',
): Promise<StandIn> {
  const requests: Request[] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== `${prefix}/api/v1/query`) {
      res.writeHead(404).end('not found');
      return;
    }
    const query = url.searchParams.get('query') ?? '';
    requests.push({ path: url.pathname, query, headers: req.headers });
    const n = seen.get(query) ?? 0;
    seen.set(query, n + 1);
    void Promise.resolve(answer(query, n)).then((a) =>
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json' }).end(a.body),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}${prefix}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
