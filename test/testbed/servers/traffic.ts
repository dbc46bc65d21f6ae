// The app traffic the service-metrics endpoint simulates, from what really runs: every Ready
// pod of a Deployment serves `requestsPerSecond` requests a second; the rule for its image tag
// says which share fail (code 500) and how long each request takes. Counters grow with the
// time elapsed between reads and never go back, so PromQL's rate() works on them.

export interface TrafficRule {
  /** The image tag the rule is for (`broken-metrics` in `registry/app:broken-metrics`). */
  tag: string;
  /** Share of requests answered with 500, 0..1 (default 0). */
  errorRatio?: number;
  /** How long every request takes (default 20 ms). */
  latencyMs?: number;
  /** Requests per second per Ready pod (default 10). */
  requestsPerSecond?: number;
}

/** The Ready pods of one Deployment at one image tag. */
export interface PodGroup {
  namespace: string;
  deployment: string;
  tag: string;
  ready: number;
}

/** The fields of a Pod (as the apiserver lists them) that the simulation reads. */
export interface PodLike {
  metadata: {
    name?: string;
    namespace?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec?: { containers?: { image?: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Histogram bucket bounds in seconds (Prometheus client defaults). */
export const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const DEFAULTS = { errorRatio: 0, latencyMs: 20, requestsPerSecond: 10 };

interface Series {
  labels: string;
  ok: number;
  errors: number;
  /** Cumulative count per BUCKETS bound. */
  buckets: number[];
  sum: number;
}

/** The tag of an image reference: after the last ':' of the last path part, else `latest`. */
export function imageTag(image: string): string {
  const name = image.split('@')[0] ?? '';
  const last = name.slice(name.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return colon >= 0 ? last.slice(colon + 1) : 'latest';
}

/** The Deployment owning a pod (through its ReplicaSet `<deployment>-<pod-template-hash>`). */
function deploymentOf(pod: PodLike): string | undefined {
  const rs = pod.metadata.ownerReferences?.find((o) => o.kind === 'ReplicaSet')?.name;
  const hash = pod.metadata.labels?.['pod-template-hash'];
  if (!rs || !hash || !rs.endsWith(`-${hash}`)) return undefined;
  return rs.slice(0, -(hash.length + 1));
}

function isReady(pod: PodLike): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Ready pods owned by Deployments, counted per namespace, Deployment and image tag. */
export function podGroups(pods: readonly PodLike[]): PodGroup[] {
  const groups = new Map<string, PodGroup>();
  for (const pod of pods) {
    const deployment = deploymentOf(pod);
    const image = pod.spec?.containers?.[0]?.image;
    if (!deployment || !image || !isReady(pod)) continue;
    const group = { namespace: pod.metadata.namespace ?? 'default', deployment, tag: imageTag(image) };
    const key = `${group.namespace}\0${group.deployment}\0${group.tag}`;
    const seen = groups.get(key);
    if (seen) seen.ready++;
    else groups.set(key, { ...group, ready: 1 });
  }
  return [...groups.values()];
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');
}

/** The counters of every cluster, with the rules the tests set. */
export class Traffic {
  private readonly rules = new Map<string, TrafficRule>();
  private readonly series = new Map<string, Map<string, Series>>();
  private readonly lastAt = new Map<string, number>();

  setRule(rule: TrafficRule): void {
    this.rules.set(rule.tag, rule);
  }

  listRules(): TrafficRule[] {
    return [...this.rules.values()];
  }

  clearRules(): void {
    this.rules.clear();
  }

  /** Adds the requests `groups` served in `cluster` since the last call (none on the first). */
  advance(cluster: string, groups: readonly PodGroup[], now = Date.now()): void {
    const seconds = Math.max(0, (now - (this.lastAt.get(cluster) ?? now)) / 1000);
    this.lastAt.set(cluster, now);
    const all = this.series.get(cluster) ?? new Map<string, Series>();
    this.series.set(cluster, all);
    for (const g of groups) {
      const rule = { ...DEFAULTS, ...this.rules.get(g.tag) };
      const labels = labelText({
        cluster,
        namespace: g.namespace,
        deployment: g.deployment,
        image_tag: g.tag,
      });
      const s = all.get(labels) ?? { labels, ok: 0, errors: 0, buckets: BUCKETS.map(() => 0), sum: 0 };
      all.set(labels, s);
      const requests = g.ready * rule.requestsPerSecond * seconds;
      const latency = rule.latencyMs / 1000;
      s.errors += requests * rule.errorRatio;
      s.ok += requests * (1 - rule.errorRatio);
      s.sum += requests * latency;
      s.buckets = s.buckets.map((n, i) => (latency <= BUCKETS[i]! ? n + requests : n));
    }
  }

  /** The cluster's counters in the Prometheus text exposition format. */
  exposition(cluster: string): string {
    const all = [...(this.series.get(cluster)?.values() ?? [])];
    const lines = [
      '# HELP http_requests_total Requests the app served (simulated by the testbed).',
      '# TYPE http_requests_total counter',
      ...all.flatMap((s) => [
        `http_requests_total{${s.labels},code="200"} ${s.ok}`,
        `http_requests_total{${s.labels},code="500"} ${s.errors}`,
      ]),
      '# HELP http_request_duration_seconds Request latency (simulated by the testbed).',
      '# TYPE http_request_duration_seconds histogram',
      ...all.flatMap((s) => [
        ...BUCKETS.map(
          (le, i) => `http_request_duration_seconds_bucket{${s.labels},le="${le}"} ${s.buckets[i]}`,
        ),
        `http_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.ok + s.errors}`,
        `http_request_duration_seconds_sum{${s.labels}} ${s.sum}`,
        `http_request_duration_seconds_count{${s.labels}} ${s.ok + s.errors}`,
      ]),
    ];
    return `${lines.join('\n')}\n`;
  }
}
