// Shared by the gcs-static-sync e2e tests: source folders on disk, the plugin run as the
// shipped bundle in a child process the way a Drone step runs it (PLUGIN_* settings, the
// testbed CA trusted through NODE_EXTRA_CA_CERTS, nothing else), and the bucket read back
// directly from fake-gcs-server. A few scenarios need what only a test can inject (a short
// storage retry backoff, a look inside the process): they run in-process, each saying why.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { gunzipSync } from 'node:zlib';
import type { PluginModule } from '../../../common/entry.ts';
import { SOURCE_MD5_KEY } from '../../../plugins/gcs-static-sync/attributes.ts';
import type { Deps } from '../../../plugins/gcs-static-sync/main.ts';
import { schema } from '../../../plugins/gcs-static-sync/schema.ts';
import { type BundleRunOptions, type ChildRun, privateBundle, runBundle } from '../../helpers/bundle.ts';
import { type Captured, runInProcess } from '../../helpers/canary.ts';
import { serviceAccountKey } from '../../testbed/servers/client.ts';
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

// The testbed's key, from the testbed's one helper for it (re-exported for the tests here).
export { serviceAccountKey };

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

/**
 * Runs the gcs-static-sync bundle as a Drone step would: a child process with exactly `env`
 * (PLUGIN_* settings) and PATH, the testbed CA trusted through NODE_EXTRA_CA_CERTS, as a
 * user trusts a private CA. `output` is stdout, then stderr.
 */
export async function runSync(
  state: TestbedState,
  env: Record<string, string>,
  opts: BundleRunOptions = {},
): Promise<ChildRun> {
  return runBundle(
    await privateBundle('gcs-static-sync'),
    { NODE_EXTRA_CA_CERTS: state.ca.bundle, ...env },
    opts,
  );
}

/**
 * Runs the plugin from its sources through its real entry, in this process, with what no
 * user can set: an HTTPS agent that trusts the testbed CA (NODE_EXTRA_CA_CERTS is read only
 * when a process starts), a storage retry backoff of 1 s instead of 1, 2, 4, 8, 16 s (no
 * setting sets it), and whatever `deps` adds. Only for scenarios that need one of these;
 * everything else runs the bundle (runSync).
 */
export function runSyncInProcess(
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

/**
 * Deletes a bucket and its objects from fake-gcs-server, which keeps everything in memory:
 * tests that store tens of MB clean up after themselves on the shared testbed.
 */
export async function removeBucket(state: TestbedState, bucket: string): Promise<void> {
  const b = `${state.gcs.url}/storage/v1/b/${encodeURIComponent(bucket)}`;
  for (const name of (await readBucket(state, bucket)).keys()) {
    const res = await fetch(`${b}/o/${encodeURIComponent(name)}`, { method: 'DELETE' });
    if (!res.ok && res.status !== 404) throw new Error(`deleting ${name}: ${res.status} ${await res.text()}`);
  }
  const res = await fetch(b, { method: 'DELETE' });
  if (!res.ok && res.status !== 404) throw new Error(`deleting bucket ${bucket}: ${res.status}`);
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

/**
 * Checks that each of `paths` (relative to `dir`) is stored whole under the same name: the
 * stored bytes' MD5 and size as listed; with gzip, Content-Encoding gzip, the source's MD5 in
 * the metadata and the source once decompressed; without, the source's bytes and MD5.
 */
export async function assertStoredAsSource(
  state: TestbedState,
  bucket: string,
  dir: string,
  paths: readonly string[],
  gzip: boolean,
): Promise<void> {
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
  const objects = await readBucket(state, bucket);
  for (const path of paths) {
    const source = readFileSync(join(dir, path));
    const o = objects.get(path);
    assert.ok(o, `${path} is not in the bucket`);
    const stored = await readObject(state, bucket, path);
    assert.equal(o.size, stored.length, `${path}: listed size`);
    assert.equal(o.md5Hash, md5(stored), `${path}: listed MD5`);
    if (gzip) {
      assert.equal(o.contentEncoding, 'gzip', `${path}: Content-Encoding`);
      assert.equal(o.metadata?.[SOURCE_MD5_KEY], md5(source), `${path}: source MD5`);
      assert.ok(gunzipSync(stored).equals(source), `${path}: not the source once decompressed`);
    } else {
      assert.equal(o.contentEncoding ?? '', '', `${path}: Content-Encoding`);
      assert.equal(stored.length, source.length, `${path}: stored size`);
      assert.equal(o.md5Hash, md5(source), `${path}: MD5`);
    }
  }
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
