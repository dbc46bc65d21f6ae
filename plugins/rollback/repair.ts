// rollback's runbook for a deploy that was killed half way: with no restore point given and
// a deploy record on a cluster's lock, put exactly the recorded workloads back.
import { graceAfter } from '../../common/cancel.ts';
import type { BuildContext } from '../../common/ci.ts';
import { handleAllAbandoned } from '../../common/kube/abandoned.ts';
import type { Kubectl } from '../../common/kube/kubectl.ts';
import type { ClusterLock } from '../../common/kube/lease-lock.ts';
import { clusterSummary, reportSummary, summaryOf } from '../../common/kube/summary.ts';
import { writeSummary } from '../../common/summary.ts';
import type { Deps } from './main.ts';
import type { Settings } from './settings.ts';

/** The "cancelled deploy" runbook: put every workload of each abandoned record back. */
export async function repairAbandoned(
  kubectl: Kubectl,
  locks: readonly ClusterLock[],
  s: Settings,
  ctx: BuildContext,
  deps: Deps,
  started: number,
): Promise<void> {
  const { log } = deps;
  log.section('Interrupted deploy');
  const found = await handleAllAbandoned(kubectl, locks, {
    mode: 'rollback',
    log,
    deadline: deps.now() + s.timeoutMs,
    pollMs: deps.pollMs,
    now: deps.now,
    signal: graceAfter(deps.signal, s.cancelGraceMs),
    setting: 'on_abandoned',
  });
  const clusters = locks.map((l, i) => {
    const ws = found[i] ?? [];
    const workloads = ws.map((w) => ({
      kind: w.recorded.kind,
      name: w.recorded.name,
      imagesBefore: [],
      imagesAfter: w.recorded.images,
      ...(w.recorded.build !== undefined ? { buildAfter: w.recorded.build } : {}),
    }));
    return clusterSummary(l.target, ws.some((w) => w.needsRepair) ? 'rolled_back' : 'unchanged', workloads);
  });
  const summary = summaryOf(
    {
      plugin: 'rollback',
      result: 'rolled_back',
      started,
      finished: deps.now(),
      build: {
        ...(ctx.build.number !== undefined ? { number: ctx.build.number } : {}),
        ...(ctx.build.link ? { link: ctx.build.link } : {}),
      },
    },
    clusters,
    clusters.flatMap((c) => c.workloads.flatMap((w) => w.imagesAfter)),
    { message: 'repaired a deploy that was stopped half way' },
  );
  writeSummary(s.summaryFile, summary);
  reportSummary(log, summary, 'repaired the interrupted deploy', deps.now() - started);
}
