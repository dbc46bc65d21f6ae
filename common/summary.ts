// The deploy summary: a JSON file that gke-deploy and rollback write at the end of a run
// (also a failed one) and that slack-notify reads. One format for both writers.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const SUMMARY_VERSION = 1;
export const DEFAULT_SUMMARY_FILE = '.drone-gke-deploy.json';

/**
 * cancelled: the run was stopped and this cluster's rollback was not confirmed healthy in
 * time; superseded: another deploy replaced this run's workloads while it waited.
 */
export type ClusterResult =
  | 'deployed'
  | 'rolled_back'
  | 'failed'
  | 'unchanged'
  | 'skipped'
  | 'cancelled'
  | 'superseded';

export interface WorkloadSummary {
  kind: string;
  name: string;
  /** Container images before and after this run (name=image pairs keep the order of containers). */
  imagesBefore: string[];
  imagesAfter: string[];
  revisionBefore?: number;
  revisionAfter?: number;
  /** Drone build numbers recorded on the workload before and after. */
  buildBefore?: number;
  buildAfter?: number;
}

export interface ClusterSummary {
  /** A display name: location/name for GKE clusters, the server for others. */
  id: string;
  name: string;
  location?: string;
  project?: string;
  namespace: string;
  /**
   * GKE clusters: how the run reached the control plane (added in 1.x; readers of older
   * summaries see none). mode: public, internal_ip, dns_endpoint or connect_gateway; proxy
   * without its credentials; membership: the fleet membership behind the Connect gateway.
   */
  access?: { mode: string; proxy?: string; membership?: string };
  result: ClusterResult;
  error?: string;
  workloads: WorkloadSummary[];
}

/** One metrics check on one cluster (gke-deploy's `analysis`): what it measured and how it ended. */
export interface AnalysisSummary {
  check: string;
  /** The cluster's id, as in `clusters`. */
  cluster: string;
  /** The query as sent, its variables filled in. */
  query: string;
  /** One per counted measurement; null where there was no data. */
  values: (number | null)[];
  /** stopped: ended early, as another check failed and the clusters go back anyway. */
  verdict: 'passed' | 'failed' | 'cancelled' | 'stopped';
  /** Why it failed, e.g. `value 0.12 > max 0.05`. */
  breach?: string;
}

export interface DeploySummary {
  version: typeof SUMMARY_VERSION;
  plugin: 'gke-deploy' | 'rollback';
  /**
   * deployed: every cluster healthy on the new revision; rolled_back: the deploy failed and
   * was undone (gke-deploy) or a rollback succeeded (rollback); failed: not healthy and not
   * undone; dry_run: nothing was changed; cancelled: stopped by a signal (every changed
   * cluster rolled back where it could be, see each cluster's result); superseded: another
   * deploy replaced this run's workloads on some cluster.
   */
  result: 'deployed' | 'rolled_back' | 'failed' | 'dry_run' | 'cancelled' | 'superseded';
  startedAt: string;
  finishedAt: string;
  build: { number?: number; commit?: string; link?: string; deployTo?: string };
  /** Images this run set (gke-deploy) or went back to (rollback). */
  images: string[];
  clusters: ClusterSummary[];
  /** One line that undoes this run, for a human at 3 a.m. (a docker run of the rollback image). */
  rollbackCommand?: string;
  message?: string;
  /** gke-deploy's metrics checks, one per check and cluster analysed (absent without `analysis`). */
  analysis?: AnalysisSummary[];
}

export function writeSummary(file: string, summary: DeploySummary): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(tmp, file);
}

/** The summary at `file`; undefined when there is none; throws when it is not a summary. */
export function readSummary(file: string): DeploySummary | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not a deploy summary (not JSON)`);
  }
  const s = parsed as Partial<DeploySummary>;
  if (s.version !== SUMMARY_VERSION || !Array.isArray(s.clusters) || typeof s.result !== 'string') {
    throw new Error(`${file} is not a deploy summary of version ${SUMMARY_VERSION}`);
  }
  return s as DeploySummary;
}

/** The problem with a summary_file setting, checked with the other settings: a folder that is not there. */
export function summaryFolderProblem(workspace: string, file: string): string | undefined {
  const folder = dirname(resolve(workspace, file));
  return existsSync(folder)
    ? undefined
    : `its folder ${folder} does not exist; create it first, or name a file in the workspace`;
}
