// The testbed's one HTTP client: a request to 127.0.0.1 with a timeout, over TLS checked
// against a given CA where the URL is https, as a bearer-token or client-certificate user.
// Never through a proxy (node:http reads no proxy variables), never pooled (agent: false).
import { request as plainRequest } from 'node:http';
import { request as tlsRequest } from 'node:https';

export interface HttpOptions {
  /** PEM of the CA the server's certificate must chain to (https only). */
  ca?: string;
  /** Client certificate and key (PEM), to act as that user. */
  cert?: string;
  key?: string;
  /** Sent as `authorization: Bearer <token>`. */
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  timeoutMs?: number;
}

export interface HttpResult {
  status: number;
  body: string;
}

/** One request; resolves with any status, rejects on a network error or after `timeoutMs` (default 5 s). */
export function httpRequest(method: string, url: string, opts: HttpOptions = {}): Promise<HttpResult> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token !== undefined) headers['authorization'] = `Bearer ${opts.token}`;
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const { ca, cert, key } = opts;
  const request = new URL(url).protocol === 'https:' ? tlsRequest : plainRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, cert, key, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export function httpGet(url: string, opts: Omit<HttpOptions, 'body'> = {}): Promise<HttpResult> {
  return httpRequest('GET', url, opts);
}

/** True when a GET answers 200 (for readiness polling). */
export async function answers200(url: string, opts: Omit<HttpOptions, 'body'> = {}): Promise<boolean> {
  return (await httpGet(url, opts)).status === 200;
}
