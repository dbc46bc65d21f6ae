// What gke-deploy does to one cluster: preflight (namespace, server-side dry-run), a
// snapshot of the workloads before apply, apply, and the rollback to that snapshot.
import { errorMessage } from '../../common/errors.ts';
import type { Kubectl } from '../../common/kube/kubectl.ts';
import { getWorkloads, undoRollout } from '../../common/kube/rollout.ts';
import type { ClusterTarget } from '../../common/kube/target.ts';
import {
  buildOfWorkload,
  imagesOf,
  type KubeObject,
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

export interface PreflightOptions {
  serverSide: boolean;
}

/** Input over this size also gets the client-side dry-run when the server-side one passes. */
const LARGE_INPUT = 128 * 1024;

/**
 * Creates the namespace when it is missing (create_namespace); true when this call created
 * it, so that a run that then stops before applying can remove it again.
 */
export async function ensureNamespace(kubectl: Kubectl, t: ClusterTarget, log: Logger): Promise<boolean> {
  const found = await kubectl.run(t, ['get', 'namespace', t.namespace, '--ignore-not-found', '-o', 'name']);
  if (found.stdout.trim() !== '') return false;
  try {
    await kubectl.run(t, ['create', 'namespace', t.namespace]);
  } catch (err) {
    // Another run created it between our look and our create: not ours to remove.
    if (/AlreadyExists|already exists/.test(errorMessage(err))) return false;
    throw err;
  }
  log.info(`[${t.id}] created namespace ${t.namespace}`);
  return true;
}

/** Removes a namespace this run created and left empty (nothing was applied). */
export async function removeNamespace(kubectl: Kubectl, t: ClusterTarget): Promise<void> {
  await kubectl.run(t, ['delete', 'namespace', t.namespace, '--wait=false', '--ignore-not-found']);
}

/**
 * Checks that the cluster would accept the manifests: a server-side dry-run passes (the API
 * server validates everything, admission included, and stores nothing). Secret manifests
 * are checked silently.
 */
export async function preflight(
  kubectl: Kubectl,
  t: ClusterTarget,
  r: Rendered,
  opts: PreflightOptions,
): Promise<void> {
  // What decides is a dry-run of the apply that follows: client-side unless server_side. But
  // client-side, kubectl spends about 0.7 s of CPU on OpenAPI merge patches for twenty
  // Deployments, so a dry-run through server-side apply, which puts the same question to the
  // API server (validation, defaulting, admission) for a fraction of that, goes first. Its
  // pass stands, except for large input, whose objects might overflow the last-applied
  // annotation that only client-side apply writes. Its failure is checked client-side, as
  // server-side apply refuses some manifests client-side apply takes (duplicate env names).
  const dryRun = (input: string, silent: boolean, serverSide: boolean) =>
    kubectl.run(
      t,
      ['apply', '--dry-run=server', ...(serverSide ? ['--server-side', '--force-conflicts'] : []), '-f', '-'],
      { input, silent, namespace: t.namespace },
    );
  const dry = async (input: string, silent: boolean): Promise<void> => {
    if (opts.serverSide) {
      await dryRun(input, silent, true);
      return;
    }
    let passed = false;
    try {
      await dryRun(input, silent, true);
      passed = true;
    } catch {
      // decided by the client-side dry-run below
    }
    if (!passed || Buffer.byteLength(input) > LARGE_INPUT) await dryRun(input, silent, false);
  };
  const [plain, secret] = await Promise.allSettled([
    dry(r.manifests, false),
    r.secrets ? dry(r.secrets, true) : undefined,
  ]);
  // The plain manifests' error says more (the secret one is hidden): report it first.
  const failure =
    plain.status === 'rejected' ? plain.reason : secret.status === 'rejected' ? secret.reason : undefined;
  if (failure === undefined) return;
  // Without create_namespace a missing namespace is found here, in one call instead of two.
  if (/namespaces? "[^"]+" not found/.test(errorMessage(failure))) {
    throw new Error(`namespace "${t.namespace}" does not exist; create it or set create_namespace: true`);
  }
  throw failure;
}

/** `kubectl diff`, read whole: it exits 1 when there are differences, its answer, not a failure. */
export async function diff(kubectl: Kubectl, t: ClusterTarget, r: Rendered): Promise<string> {
  const res = await kubectl.run(t, ['diff', '-f', '-'], {
    input: r.manifests,
    namespace: t.namespace,
    okExitCodes: [1],
  });
  return res.stdout;
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
 * Workloads this run created have no earlier revision and are left as they are, and so are
 * workloads another deploy has replaced since (`expect` says by whom): their state is not
 * this run's to undo. Returns the workloads that were rolled back.
 */
export async function rollBack(
  kubectl: Kubectl,
  t: ClusterTarget,
  refs: readonly WorkloadRef[],
  before: ReadonlyMap<string, Before>,
  log: Logger,
  expect: (o: KubeObject) => string | undefined,
): Promise<WorkloadRef[]> {
  const undone: WorkloadRef[] = [];
  const kinds = [...new Set(refs.map((r) => r.kind))];
  const live = kinds.length > 0 ? await getWorkloads(kubectl, t, kinds) : new Map<string, KubeObject>();
  for (const r of refs) {
    const o = live.get(refKey(r));
    const other = o && expect(o);
    if (other) {
      log.warn(`[${t.id}] ${refKey(r)} was ${other}: not rolled back (the newer deploy owns it)`);
      continue;
    }
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
