// What gke-deploy does to one cluster: preflight (namespace, server-side dry-run), a
// snapshot of the workloads before apply, apply, and the rollback to that snapshot.
import type { Kubectl } from '../../common/kube/kubectl.ts';
import { getWorkloads, undoRollout } from '../../common/kube/rollout.ts';
import type { ClusterTarget } from '../../common/kube/target.ts';
import {
  buildOfWorkload,
  imagesOf,
  refKey,
  revisionOf,
  type WorkloadRef,
} from '../../common/kube/workloads.ts';
import type { Logger } from '../../common/log.ts';

export interface Rendered {
  /** All non-secret manifests as one YAML stream. */
  manifests: string;
  /** The secret template's manifests, or '' (never printed). */
  secrets: string;
}

export interface Before {
  exists: boolean;
  revision: number | undefined;
  images: string[];
  build: number | undefined;
}

export async function ensureNamespace(
  kubectl: Kubectl,
  t: ClusterTarget,
  create: boolean,
  log: Logger,
): Promise<void> {
  const r = await kubectl.run(t, ['get', 'namespace', t.namespace, '--ignore-not-found', '-o', 'name']);
  if (r.stdout.trim() !== '') return;
  if (!create) {
    throw new Error(`namespace "${t.namespace}" does not exist; create it or set create_namespace: true`);
  }
  await kubectl.run(t, ['create', 'namespace', t.namespace]);
  log.info(`[${t.id}] created namespace ${t.namespace}`);
}

/** Server-side dry-run: the API server validates everything (admission included) and stores nothing. */
export async function dryRun(
  kubectl: Kubectl,
  t: ClusterTarget,
  r: Rendered,
  serverSide: boolean,
): Promise<void> {
  const mode = serverSide ? ['--server-side', '--force-conflicts'] : [];
  if (r.secrets) {
    await kubectl.run(t, ['apply', '--dry-run=server', ...mode, '-f', '-'], {
      input: r.secrets,
      silent: true,
      namespace: t.namespace,
    });
  }
  await kubectl.run(t, ['apply', '--dry-run=server', ...mode, '-f', '-'], {
    input: r.manifests,
    namespace: t.namespace,
  });
}

export async function diff(kubectl: Kubectl, t: ClusterTarget, r: Rendered): Promise<string> {
  // kubectl diff exits 1 when there are differences: that is its answer, not a failure.
  try {
    const res = await kubectl.run(t, ['diff', '-f', '-'], { input: r.manifests, namespace: t.namespace });
    return res.stdout;
  } catch (err) {
    const e = err as { exitCode?: number; message: string };
    if (e.exitCode === 1) return e.message.split('\n').slice(1).join('\n');
    throw err;
  }
}

export async function snapshot(
  kubectl: Kubectl,
  t: ClusterTarget,
  refs: readonly WorkloadRef[],
): Promise<Map<string, Before>> {
  const kinds = [...new Set(refs.map((r) => r.kind))];
  const objects = kinds.length > 0 ? await getWorkloads(kubectl, t, kinds) : new Map();
  const out = new Map<string, Before>();
  for (const r of refs) {
    const o = objects.get(refKey(r));
    out.set(
      refKey(r),
      o
        ? { exists: true, revision: revisionOf(o), images: imagesOf(o), build: buildOfWorkload(o) }
        : { exists: false, revision: undefined, images: [], build: undefined },
    );
  }
  return out;
}

export async function apply(
  kubectl: Kubectl,
  t: ClusterTarget,
  r: Rendered,
  serverSide: boolean,
): Promise<void> {
  const mode = serverSide ? ['--server-side', '--force-conflicts'] : [];
  if (r.secrets) {
    await kubectl.run(t, ['apply', ...mode, '-f', '-'], {
      input: r.secrets,
      silent: true,
      namespace: t.namespace,
    });
  }
  await kubectl.run(t, ['apply', ...mode, '-f', '-'], {
    input: r.manifests,
    namespace: t.namespace,
    stream: true,
  });
}

/**
 * Puts each workload that existed before back to the revision recorded before apply.
 * Workloads this run created have no earlier revision and are left as they are.
 * Returns the workloads that were rolled back.
 */
export async function rollBack(
  kubectl: Kubectl,
  t: ClusterTarget,
  refs: readonly WorkloadRef[],
  before: Map<string, Before>,
  log: Logger,
): Promise<WorkloadRef[]> {
  const undone: WorkloadRef[] = [];
  for (const r of refs) {
    const b = before.get(refKey(r));
    if (!b?.exists) {
      log.warn(
        `[${t.id}] ${refKey(r)} was created by this run: it has no earlier revision and is left in place`,
      );
      continue;
    }
    if (r.kind === 'Job') continue;
    const to = r.kind === 'Deployment' ? b.revision : undefined;
    await undoRollout(kubectl, t, r, to);
    log.info(`[${t.id}] ${refKey(r)} rolled back${to !== undefined ? ` to revision ${to}` : ''}`);
    undone.push(r);
  }
  return undone;
}
