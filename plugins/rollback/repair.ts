// rollback's runbook for a deploy that was killed half way: with no target given and a
// deploy record on a cluster's lock, put exactly the recorded workloads back.
import { graceAfter } from '../../common/cancel.ts';
import type { DroneContext } from '../../common/drone.ts';
import { formatDuration, parseDuration } from '../../common/duration.ts';
import { handleAllAbandoned } from '../../common/kube/abandoned.ts';
import type { Kubectl } from '../../common/kube/kubectl.ts';
import type { ClusterLock } from '../../common/kube/lock.ts';
import { targetFields } from '../../common/kube/target.ts';
import {
  type ClusterResult,
  type DeploySummary,
  SUMMARY_VERSION,
  writeSummary,
} from '../../common/summary.ts';
import { renderTable } from '../../common/summary-table.ts';
import type { Deps } from './main.ts';
import type { Settings } from './settings.ts';

/** The "cancelled deploy" runbook: put every workload of each abandoned record back. */
export async function repairAbandoned(
  kubectl: Kubectl,
  locks: readonly ClusterLock[],
  s: Settings,
  ctx: DroneContext,
  deps: Deps,
  summaryFile: string,
  started: number,
): Promise<void> {
  const { log } = deps;
  log.section('Interrupted deploy');
  const found = await handleAllAbandoned(kubectl, locks, {
    mode: 'rollback',
    log,
    deadline: deps.now() + parseDuration(s.timeout),
    pollMs: deps.pollMs,
    now: deps.now,
    signal: graceAfter(deps.signal, parseDuration(s.cancel_grace)),
    setting: 'on_abandoned',
  });
  const clusters = locks.map((l, i) => {
    const ws = found[i] ?? [];
    return {
      ...targetFields(l.target),
      result: (ws.some((w) => w.needsRepair) ? 'rolled_back' : 'unchanged') as ClusterResult,
      workloads: ws.map((w) => ({
        kind: w.recorded.kind,
        name: w.recorded.name,
        imagesBefore: [],
        imagesAfter: w.recorded.images,
        ...(w.recorded.build !== undefined ? { buildAfter: w.recorded.build } : {}),
      })),
    };
  });
  const summary: DeploySummary = {
    version: SUMMARY_VERSION,
    plugin: 'rollback',
    result: 'rolled_back',
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(deps.now()).toISOString(),
    build: {
      ...(ctx.build.number !== undefined ? { number: ctx.build.number } : {}),
      ...(ctx.build.link ? { link: ctx.build.link } : {}),
    },
    images: [...new Set(clusters.flatMap((c) => c.workloads.flatMap((w) => w.imagesAfter)))],
    clusters,
    message: 'repaired a deploy that was stopped half way',
  };
  writeSummary(summaryFile, summary);
  log.section('Result');
  log.info(renderTable(summary));
  log.info(`repaired the interrupted deploy in ${formatDuration(deps.now() - started)}`);
}
