// Is a testbed healthy? Every recorded process still running (and ours), every server
// answering its health URL. `status` prints the lines; `up` and useTestbed() reuse a healthy
// testbed and replace any other.

import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../../common/errors.ts';
import { type HttpOptions, httpGet } from './http.ts';
import { isOurs } from './pids.ts';
import type { TestbedState } from './state.ts';

export interface HealthLine {
  what: string;
  ok: boolean;
  detail: string;
}

export interface Health {
  healthy: boolean;
  lines: HealthLine[];
}

type Probe = [what: string, url: string, opts: HttpOptions];

function probesOf(state: TestbedState): Probe[] {
  const ca = existsSync(state.ca.cert) ? readFileSync(state.ca.cert, 'utf8') : undefined;
  return [
    ['gke/oauth endpoints', `${state.gke.url}/_testbed/health`, { ca }],
    ['fake-gcs-server', `${state.gcs.url}/storage/v1/b`, {}],
    ['gcs fault proxy', `${state.gcs.proxyUrl}/_testbed/health`, {}],
    ['slack sink', `${state.slack.url}/_testbed/health`, {}],
    // A state file written before Prometheus joined the testbed has no such entry: unhealthy.
    ['service-metrics', `${state.prometheus?.serviceMetricsUrl ?? 'http://0.0.0.0:0'}/_testbed/health`, {}],
    ['prometheus', `${state.prometheus?.url ?? 'http://0.0.0.0:0'}/-/ready`, {}],
    ...state.clusters.map(
      (c): Probe => [
        `cluster ${c.name}`,
        `${c.server}/readyz`,
        { ca: existsSync(c.caFile) ? readFileSync(c.caFile, 'utf8') : ca, token: state.token },
      ],
    ),
  ];
}

// Two tries with a generous timeout: on a loaded machine a slow answer is not a dead
// service, and an unhealthy verdict makes `up`/useTestbed replace the testbed.
async function probe([what, url, opts]: Probe): Promise<HealthLine> {
  let detail = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    if (attempt > 0) await sleep(500);
    try {
      const r = await httpGet(url, { ...opts, timeoutMs: 5000 });
      if (r.status === 200) return { what, ok: true, detail: `${url} -> 200` };
      detail = `${url} -> ${r.status}`;
    } catch (err) {
      detail = `${url} -> ${errorMessage(err)}`;
    }
  }
  return { what, ok: false, detail };
}

export async function checkHealth(state: TestbedState): Promise<Health> {
  const lines: HealthLine[] = state.processes.map((p) => {
    const alive = isOurs(p);
    return { what: `process ${p.name}`, ok: alive, detail: `pid ${p.pid}${alive ? '' : ' (dead)'}` };
  });
  lines.push(...(await Promise.all(probesOf(state).map(probe))));
  return { healthy: state.phase === 'running' && lines.every((l) => l.ok), lines };
}
