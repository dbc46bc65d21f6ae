// Helpers for tests that use a running testbed: fresh GCS buckets, fault plans on the GCS
// proxy, the Slack sink's records and queued answers, faults and patched clusters on the GKE
// API, the kubeconfig a plugin would build from a GKE API response, traffic rules for the
// service metrics and PromQL queries to the testbed's Prometheus. They only talk HTTP to 127.0.0.1; nothing here starts a process.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { httpRequest } from '../http.ts';
import { writeKubeconfig } from '../kubeconfig.ts';
import type { TestbedState } from '../state.ts';
import type { FaultPlan, FaultStats } from './fault-proxy.ts';
import type { ApiFault, ApiMessage, ApiRateLimit, ApiWorkspace } from './slack-api.ts';
import type { QueuedResponse, RecordedRequest } from './slack-sink.ts';
import type { TrafficRule } from './traffic.ts';

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return (text === '' ? {} : JSON.parse(text)) as T;
}

// ---- Cloud Storage

/** A bucket name no other test uses: lower case, 3-63 chars, starts and ends alphanumeric. */
export function uniqueBucketName(prefix = 'tb'): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 30);
  return `${clean}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * Creates a fresh, empty bucket on fake-gcs-server (directly, never through the fault proxy)
 * and returns its name.
 */
export async function createBucket(state: TestbedState, prefix = 'tb'): Promise<string> {
  const name = uniqueBucketName(prefix);
  await call('POST', `${state.gcs.url}/storage/v1/b?project=${state.project.id}`, { name });
  return name;
}

/** Object names in a bucket, read directly from fake-gcs-server. */
export async function listObjectNames(state: TestbedState, bucket: string): Promise<string[]> {
  const names: string[] = [];
  let pageToken: string | undefined;
  do {
    const q = new URLSearchParams({ maxResults: '1000', ...(pageToken ? { pageToken } : {}) });
    const page = await call<{ items?: { name: string }[]; nextPageToken?: string }>(
      'GET',
      `${state.gcs.url}/storage/v1/b/${encodeURIComponent(bucket)}/o?${q}`,
    );
    names.push(...(page.items ?? []).map((i) => i.name));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return names;
}

export function setFaults(state: TestbedState, plan: FaultPlan): Promise<unknown> {
  return call('POST', state.gcs.faultsUrl, plan);
}

export function clearFaults(state: TestbedState): Promise<unknown> {
  return call('DELETE', state.gcs.faultsUrl);
}

/** These objects are reported without an MD5 through the proxy, as composite objects are. */
export function setCompositeObjects(state: TestbedState, names: string[]): Promise<unknown> {
  return call('POST', state.gcs.faultsUrl.replace(/\/faults$/, '/composite'), { names });
}

export function faultStats(state: TestbedState): Promise<FaultStats> {
  return call<FaultStats>('GET', state.gcs.faultsUrl);
}

// ---- Slack

export async function slackRequests(state: TestbedState): Promise<RecordedRequest[]> {
  return (await call<{ requests: RecordedRequest[] }>('GET', state.slack.requestsUrl)).requests;
}

/** Forgets recorded requests and queued answers. */
export function clearSlack(state: TestbedState): Promise<unknown> {
  return call('DELETE', state.slack.requestsUrl);
}

/** Queues answers for the next webhook posts, in order (200 `ok` once the queue is empty). */
export function queueSlackResponses(state: TestbedState, ...responses: QueuedResponse[]): Promise<unknown> {
  return call('POST', state.slack.responsesUrl, responses);
}

// ---- Slack's Web API (on the same sink; `sink` is the testbed's `state.slack` or any sink's { url })

export interface SlackSinkRef {
  url: string;
}

/** Every post the sink recorded, Web API calls included (with the answer each got). */
export async function slackRequestsAt(sink: SlackSinkRef): Promise<RecordedRequest[]> {
  return (await call<{ requests: RecordedRequest[] }>('GET', `${sink.url}/_testbed/requests`)).requests;
}

/** Forgets recorded requests and queued answers, and puts the Web API's workspace back to the default. */
export function clearSlackAt(sink: SlackSinkRef): Promise<unknown> {
  return call('DELETE', `${sink.url}/_testbed/requests`);
}

/** Queues raw HTTP answers (a delay, a reset, a 500) for the next posts to their `path`. */
export function queueSlackResponsesAt(sink: SlackSinkRef, ...responses: QueuedResponse[]): Promise<unknown> {
  return call('POST', `${sink.url}/_testbed/responses`, responses);
}

/** Each message as the channel shows it now (after its updates), thread replies included. */
export async function slackApiMessages(sink: SlackSinkRef): Promise<ApiMessage[]> {
  return (await call<{ messages: ApiMessage[] }>('GET', `${sink.url}/_testbed/api`)).messages;
}

/** The Web API's workspace: tokens, scopes, channels, users (defaults for what is not given). */
export function setSlackWorkspace(sink: SlackSinkRef, workspace: Partial<ApiWorkspace>): Promise<unknown> {
  return call('PUT', `${sink.url}/_testbed/api/workspace`, workspace);
}

/** The next calls of a method are answered 429 `ratelimited` with Retry-After. */
export function setSlackRateLimits(sink: SlackSinkRef, ...limits: ApiRateLimit[]): Promise<unknown> {
  return call('POST', `${sink.url}/_testbed/api/ratelimits`, limits);
}

/** The next call of each fault's method is answered `ok: false` with its error. */
export function queueSlackApiErrors(sink: SlackSinkRef, ...faults: ApiFault[]): Promise<unknown> {
  return call('POST', `${sink.url}/_testbed/api/errors`, faults);
}

// ---- GKE

/** The service-account key JSON of the testbed (what a plugin's `token` setting is given). */
export function serviceAccountKey(state: TestbedState): string {
  return readFileSync(state.credentials.serviceAccountKeyFile, 'utf8');
}

/** A JSON request to the testbed's HTTPS endpoints, trusting the testbed CA (in any process). */
export async function gkeCall<T>(
  state: TestbedState,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const ca = readFileSync(state.ca.cert, 'utf8');
  const res = await httpRequest(method, `${state.gke.url}${path}`, { ca, body, timeoutMs: 30_000 });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body}`);
  return (res.body === '' ? {} : JSON.parse(res.body)) as T;
}

/**
 * Faults the next GKE/OAuth/STS requests whose "METHOD /path" contains `match` (all when
 * omitted), in order: HTTP statuses (Google error JSON) or "reset".
 */
export function setGkeFaults(
  state: TestbedState,
  sequence: (number | 'reset')[],
  match?: string,
): Promise<unknown> {
  return gkeCall(state, 'POST', '/_testbed/faults', { sequence, ...(match ? { match } : {}) });
}

export function clearGkeFaults(state: TestbedState): Promise<unknown> {
  return gkeCall(state, 'DELETE', '/_testbed/faults');
}

export function gkeFaults(
  state: TestbedState,
): Promise<{ injected: { request: string; fault: number | 'reset' }[]; pending: (number | 'reset')[] }> {
  return gkeCall(state, 'GET', '/_testbed/faults');
}

/** Merges fields into a cluster's GKE API resource (e.g. {status: 'RECONCILING'}); null deletes one. */
export function patchGkeCluster(
  state: TestbedState,
  name: string,
  fields: Record<string, unknown>,
): Promise<unknown> {
  return gkeCall(state, 'PATCH', `/_testbed/clusters/${encodeURIComponent(name)}`, fields);
}

/** Undoes every patch of a cluster. */
export function resetGkeCluster(state: TestbedState, name: string): Promise<unknown> {
  return gkeCall(state, 'DELETE', `/_testbed/clusters/${encodeURIComponent(name)}`);
}

/** The parts of a container/v1 Cluster a kubeconfig needs. */
export interface GkeClusterLike {
  name: string;
  endpoint: string;
  masterAuth: { clusterCaCertificate: string };
}

/** Writes a kubeconfig the way a deploy plugin builds one: https://<endpoint>, the CA, a bearer token. */
export function writeKubeconfigFromCluster(file: string, cluster: GkeClusterLike, token: string): void {
  const caPem = Buffer.from(cluster.masterAuth.clusterCaCertificate, 'base64').toString('utf8');
  writeKubeconfig(file, cluster.name, `https://${cluster.endpoint}`, caPem, { token });
}

// ---- Prometheus and the service metrics

/** Sets the error ratio and latency of image tags (each rule replaces its tag's). */
export function setTrafficRules(state: TestbedState, ...rules: TrafficRule[]): Promise<unknown> {
  return call('POST', state.prometheus.rulesUrl, rules);
}

/** Back to the default for every tag: no errors, fast. */
export function clearTrafficRules(state: TestbedState): Promise<unknown> {
  return call('DELETE', state.prometheus.rulesUrl);
}

/** One sample of an instant vector, as /api/v1/query returns it. */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant PromQL query, straight to the testbed's Prometheus. */
export async function promQuery(state: TestbedState, query: string): Promise<PromSample[]> {
  const url = `${state.prometheus.url}/api/v1/query?${new URLSearchParams({ query })}`;
  return (await call<{ data: { result: PromSample[] } }>('GET', url)).data.result;
}
