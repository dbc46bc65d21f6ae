// The story that `npm run test:drone` checks and `npm run demo` tells, on the testbed:
//   1. tag v1      deploy: assets synced, both clusters on v1, Slack told
//   2. tag broken  deploy: the rollout never becomes ready, gke-deploy rolls both clusters back
//                  to v1 by itself, the step fails, Slack gets the failure with the failed step
//   3. tag v1.1    deploy: ready, but 20 % of its requests fail (a traffic rule on the testbed's
//                  simulated service metrics); the error-rate check, on the testbed's
//                  Prometheus through the Managed Prometheus API, rolls both clusters back to v1
//   4. tag v2      deploy: both clusters on v2, with Slack in app mode (the example's commented
//                  alternative, app-mode.ts): one message, announced, then updated, details in
//                  its thread
//   5. rollback    the rollback pipeline, target production: both clusters back on v1
//
// Step 4 runs with the event `rollback`, as `drone build rollback` does. drone exec cannot say
// which build a rollback goes back to: it sets DRONE_BUILD_PARENT=0 (Drone's "no parent"), so
// the plugin goes back one revision, as a rollback of the previous build would; the clusters
// come from `targets` through DRONE_DEPLOY_TO.
import { execFile } from 'node:child_process';
import {
  clearSlack,
  clearTrafficRules,
  setTrafficRules,
  slackApiMessages,
  slackRequests,
} from '../testbed/servers/client.ts';
import type { ApiMessage } from '../testbed/servers/slack-api.ts';
import type { TestbedState } from '../testbed/state.ts';
import { APP_PIPELINE_FILE } from './app-mode.ts';
import type { Build } from './pipeline.ts';

export const BUCKET = 'acme-web-assets';
export const PREFIX = 'static/';
export const NAMESPACE = 'web';
export const SITE_FILES = ['css/site.css', 'index.html', 'js/app.js'];

export const BUILDS = {
  v1: { pipeline: 'deploy', event: 'tag', tag: 'v1' },
  broken: { pipeline: 'deploy', event: 'tag', tag: 'broken' },
  bad: { pipeline: 'deploy', event: 'tag', tag: 'v1.1' },
  v2: { pipeline: 'deploy', event: 'tag', tag: 'v2', file: APP_PIPELINE_FILE },
  rollback: { pipeline: 'rollback', event: 'rollback', deployTo: 'production' },
} as const satisfies Record<string, Build>;

function kubectl(tb: TestbedState, cluster: number, args: readonly string[]): Promise<string> {
  const c = tb.clusters[cluster];
  if (!c) throw new Error(`the testbed has no cluster ${cluster}`);
  return new Promise((resolve, reject) => {
    execFile(
      tb.tools.kubectl as string,
      [`--kubeconfig=${c.adminKubeconfig}`, ...args],
      { timeout: 120_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    );
  });
}

/** The share of requests that tag v1.1 answers with a 500: its pods get ready all the same. */
export const BAD_ERROR_RATIO = 0.2;

/**
 * A clean start: the bucket exists, the namespace is gone, the Slack sink has forgotten, and
 * v1.1 is a release that gets ready but fails a fifth of its requests.
 */
export async function resetTestbed(tb: TestbedState): Promise<void> {
  const res = await fetch(`${tb.gcs.url}/storage/v1/b?project=${tb.project.id}`, {
    method: 'POST',
    body: JSON.stringify({ name: BUCKET }),
    headers: { 'content-type': 'application/json' },
  });
  if (!res.ok && res.status !== 409)
    throw new Error(`creating bucket ${BUCKET}: ${res.status} ${await res.text()}`);
  for (const o of await bucketObjects(tb)) {
    await fetch(`${tb.gcs.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(o.name)}`, { method: 'DELETE' });
  }
  await Promise.all(
    tb.clusters.map((_c, i) =>
      kubectl(tb, i, [
        'delete',
        'namespace',
        NAMESPACE,
        '--ignore-not-found',
        '--wait=true',
        '--timeout=90s',
      ]),
    ),
  );
  await clearSlack(tb);
  await clearTrafficRules(tb);
  await setTrafficRules(tb, { tag: BUILDS.bad.tag, errorRatio: BAD_ERROR_RATIO });
}

export interface Rollout {
  cluster: string;
  image: string | undefined;
  ready: number;
  replicas: number;
}

/** The web Deployment on every cluster. */
export async function rollouts(tb: TestbedState): Promise<Rollout[]> {
  return Promise.all(
    tb.clusters.map(async (c, i) => {
      const d = JSON.parse(
        await kubectl(tb, i, ['-n', NAMESPACE, 'get', 'deployment', 'web', '-o', 'json']),
      ) as {
        spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
        status: { readyReplicas?: number };
      };
      return {
        cluster: `${c.location}/${c.name}`,
        image: d.spec.template.spec.containers[0]?.image,
        ready: d.status.readyReplicas ?? 0,
        replicas: d.spec.replicas,
      };
    }),
  );
}

export interface StoredObject {
  name: string;
  contentType?: string;
  cacheControl?: string;
  contentEncoding?: string;
}

export async function bucketObjects(tb: TestbedState): Promise<StoredObject[]> {
  const res = await fetch(`${tb.gcs.url}/storage/v1/b/${BUCKET}/o?prefix=${PREFIX}`);
  if (!res.ok) throw new Error(`listing gs://${BUCKET}/${PREFIX}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { items?: StoredObject[] };
  return (body.items ?? []).sort((a, b) => a.name.localeCompare(b.name));
}

export interface SlackMessage {
  /** The top-level text, which is what a notification shows. */
  text: string;
  /** The whole payload as JSON text, for searching. */
  raw: string;
}

/** The messages posted through the webhook (the Web API's calls are appMessages'). */
export async function slackMessages(tb: TestbedState): Promise<SlackMessage[]> {
  const posts = (await slackRequests(tb)).filter((r) => !r.path.startsWith('/api/'));
  return posts.map((r) => {
    const body = (r.body ?? {}) as { text?: string };
    return { text: body.text ?? '', raw: JSON.stringify(r.body ?? r.raw) };
  });
}

/** The words of a Block Kit payload, without markup: what someone reading Slack sees. */
export function plainText(raw: string): string {
  const words: string[] = [];
  const walk = (v: unknown, key = '') => {
    if (typeof v === 'string') {
      if (['text', 'value', 'fallback', 'title', 'pretext'].includes(key)) words.push(v);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, key);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, k === 'text' && typeof x === 'object' ? '' : k);
    }
  };
  walk(JSON.parse(raw));
  return (
    words
      .join('\n')
      .replace(/<([^|>]+)\|([^>]+)>/g, '$2')
      .replace(/[*`]/g, '')
      // Slack's three escapes in mrkdwn, last the ampersand.
      .replace(/&gt;/g, '>')
      .replace(/&lt;/g, '<')
      .replace(/&amp;/g, '&')
  );
}

/** The app mode's messages as the channel shows them now: updated in place, thread replies apart. */
export async function appMessages(tb: TestbedState): Promise<{ top: ApiMessage[]; replies: ApiMessage[] }> {
  const all = await slackApiMessages(tb.slack);
  return {
    top: all.filter((m) => m.thread_ts === undefined),
    replies: all.filter((m) => m.thread_ts !== undefined),
  };
}
