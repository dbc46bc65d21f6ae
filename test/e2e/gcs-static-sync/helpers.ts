// Shared by the gcs-static-sync e2e tests: source folders on disk, the plugin run in-process
// through its real entry (with the testbed's CA trusted for the token endpoint and a short
// retry backoff), and the bucket read back directly from fake-gcs-server.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { rootCertificates } from 'node:tls';
import type { PluginModule } from '../../../common/entry.ts';
import type { Deps } from '../../../plugins/gcs-static-sync/main.ts';
import { schema } from '../../../plugins/gcs-static-sync/schema.ts';
import { type Captured, runInProcess } from '../../helpers/canary.ts';
import type { TestbedState } from '../../testbed/state.ts';

// save() retries through async-retry, whose first delay is 1 s: maxRetryDelay cannot be shorter.
export const FAST_RETRY = { maxRetries: 8, maxRetryDelay: 1, retryDelayMultiplier: 1, totalTimeout: 60 };

export interface StoredObject {
  name: string;
  size: number;
  md5Hash?: string;
  crc32c?: string;
  contentType?: string;
  contentEncoding?: string;
  cacheControl?: string;
  metadata?: Record<string, string>;
  generation: string;
  updated: string;
}

/** Writes `files` (relative path -> content) into a new temporary folder. */
export function makeSource(files: Record<string, string | Buffer>, parent?: string): string {
  const dir = parent ?? mkdtempSync(join(tmpdir(), 'gss-src-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

export function removeSource(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** An HTTPS agent that trusts the system roots and the testbed CA (for the local token endpoint). */
export function testbedAgent(state: TestbedState): Agent {
  return new Agent({ ca: [...rootCertificates, readFileSync(state.ca.cert, 'utf8')] });
}

export function serviceAccountKey(state: TestbedState): string {
  return readFileSync(state.credentials.serviceAccountKeyFile, 'utf8');
}

/** Env for a sync of `source` to `target` against fake-gcs-server (or the fault proxy). */
export function syncEnv(
  state: TestbedState,
  source: string,
  target: string,
  extra: Record<string, string> = {},
  via: 'direct' | 'proxy' = 'direct',
): Record<string, string> {
  return {
    PLUGIN_SOURCE: source,
    PLUGIN_TARGET: target,
    PLUGIN_STORAGE_ENDPOINT: via === 'proxy' ? state.gcs.proxyUrl : state.gcs.url,
    PLUGIN_TOKEN: serviceAccountKey(state),
    PLUGIN_TOKEN_URL: state.gke.tokenUrl,
    ...extra,
  };
}

/** Runs the real plugin through its entry, in this process; `deps` adds to the test defaults. */
export function runSync(
  state: TestbedState,
  env: Record<string, string>,
  deps: Partial<Deps> = {},
): Promise<Captured> {
  const agent = testbedAgent(state);
  const load = async (): Promise<PluginModule> => {
    const mod = await import('../../../plugins/gcs-static-sync/main.ts');
    return {
      run: (e, d) => mod.run(e, { ...d, httpsAgent: agent, storageRetry: FAST_RETRY, ...deps }),
    };
  };
  return runInProcess(schema, load, env).finally(() => agent.destroy());
}

/** Every object of a bucket, with its metadata, straight from fake-gcs-server. */
export async function readBucket(state: TestbedState, bucket: string): Promise<Map<string, StoredObject>> {
  const out = new Map<string, StoredObject>();
  let pageToken: string | undefined;
  do {
    const q = new URLSearchParams({ maxResults: '1000', ...(pageToken ? { pageToken } : {}) });
    const res = await fetch(`${state.gcs.url}/storage/v1/b/${encodeURIComponent(bucket)}/o?${q}`);
    if (!res.ok) throw new Error(`listing ${bucket}: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as {
      items?: (StoredObject & { size: string })[];
      nextPageToken?: string;
    };
    for (const o of page.items ?? []) out.set(o.name, { ...o, size: Number(o.size) });
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out;
}

/** The stored bytes of an object (as stored: gzip-encoded objects stay compressed). */
export async function readObject(state: TestbedState, bucket: string, name: string): Promise<Buffer> {
  const url = `${state.gcs.url}/download/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}?alt=media`;
  // node:http, not fetch: fetch would undo the Content-Encoding that this is meant to see.
  return new Promise((resolve, reject) => {
    httpGet(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(Buffer.concat(chunks))
          : reject(new Error(`download ${name}: ${res.statusCode}`)),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** name -> "md5 contentType cacheControl contentEncoding metadata": what two syncs must agree on. */
export function fingerprint(objects: Map<string, StoredObject>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, o] of [...objects.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const meta = Object.entries(o.metadata ?? {})
      .filter(([, v]) => v !== '')
      .sort();
    out[name] = [
      o.md5Hash,
      o.contentType,
      o.cacheControl ?? '',
      o.contentEncoding ?? '',
      JSON.stringify(meta),
    ].join(' ');
  }
  return out;
}

/** The line of the summary that starts with `label:`, e.g. summaryLine(out, 'uploaded'). */
export function summaryLine(output: string, label: string): string {
  // The summary comes last: search from the end ("failed: <file>" lines come before it).
  const line = output
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(`${label}:`));
  if (!line) throw new Error(`no "${label}:" line in the output:\n${output}`);
  return line.slice(label.length + 1).trim();
}
