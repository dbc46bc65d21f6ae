// The fourth phase: uploads of new and changed files, then metadata patches, `concurrency` at
// a time. Every file is tried; each failure is logged and returned. Once the run is cancelled
// no new write starts (those in flight finish, not retried), and what was left is counted.
import { cancellation } from '../../common/cancel.ts';
import type { Logger } from '../../common/log.ts';
import type { LazyUploader, OpenBucket } from './bucket.ts';
import type { LeftUndone } from './cancelled.ts';
import { describeApiError } from './describe-error.ts';
import type { PlannedPatch, PlannedUpload, SyncPlan } from './plan.ts';
import { forEachLimit } from './pool.ts';
import { createProgress } from './progress.ts';
import type { SourceProblem } from './source.ts';
import { formatBytes, formatRate } from './summary.ts';
import { patchObject, uploadObject } from './upload.ts';

/** What the writes did (or, in a dry run, would do). */
export interface WriteResult {
  uploaded: number;
  uploadedBytes: number;
  /** Bytes stored after gzip. */
  sentBytes: number;
  patched: number;
  deleted: number;
  /** Objects written or deleted, for the CDN. */
  changed: string[];
  /** The survey's failures, then the writes'. */
  failures: SourceProblem[];
  /** Planned writes not started because the run was cancelled. */
  undone: LeftUndone;
  /** Deletes a failure kept from running (the objects were left alone). */
  blocked: number;
}

export interface TransferDeps {
  log: Logger;
  now: () => number;
  signal: AbortSignal;
  /** When the run started, for the rate in the progress lines. */
  started: number;
}

/** A dry run's result: the plan, as if it had been carried out. */
export function plannedWrites(plan: SyncPlan, failures: readonly SourceProblem[]): WriteResult {
  const bytes = plan.uploads.reduce((n, u) => n + u.file.hash.size, 0);
  return {
    uploaded: plan.uploads.length,
    uploadedBytes: bytes,
    sentBytes: bytes,
    patched: plan.patches.length,
    deleted: plan.deletes.length,
    changed: [
      ...plan.uploads.map((u) => u.file.name),
      ...plan.patches.map((p) => p.file.name),
      ...plan.deletes.map((d) => d.name),
    ],
    failures: [...failures],
    undone: { uploads: 0, patches: 0, deletes: 0 },
    blocked: 0,
  };
}

/** Logs a failed write and returns it; a cancelled run says why it was not retried. */
export function writeFailure(
  path: string,
  why: string,
  deps: { log: Logger; signal: AbortSignal },
): SourceProblem {
  const problem = cancellation(deps.signal) ? `${why} (the run was cancelled: no further retry)` : why;
  deps.log.error(`failed: ${path}: ${problem}`);
  return { path, problem };
}

export interface WriteContext {
  openBucket: OpenBucket;
  /** For the uploads of small files. */
  multipart: LazyUploader;
  predefinedAcl: string | undefined;
  concurrency: number;
  /** gs://bucket/prefix, for messages. */
  where: string;
}

export async function transfer(
  plan: SyncPlan,
  failed: readonly SourceProblem[],
  ctx: WriteContext,
  deps: TransferDeps,
): Promise<WriteResult> {
  // Nothing written yet: an empty plan's result, counted up as the writes finish.
  const r = plannedWrites({ ...plan, uploads: [], patches: [], deletes: [] }, failed);
  const writes = plan.uploads.length + plan.patches.length;
  if (writes > 0) deps.log.section(`uploading to ${ctx.where}`);
  const progress = writeProgress(writes, () => r.sentBytes, deps);
  const onCancel = () =>
    deps.log.info('no new upload or update is started; those in flight finish, not retried');
  deps.signal.addEventListener('abort', onCancel, { once: true });
  await forEachLimit(plan.uploads, ctx.concurrency, async (u) => {
    if (cancellation(deps.signal)) r.undone.uploads += 1;
    else {
      await uploadOne(u, r, ctx, deps);
      progress();
    }
  });
  ctx.multipart.close();
  await forEachLimit(plan.patches, ctx.concurrency, async (p) => {
    if (cancellation(deps.signal)) r.undone.patches += 1;
    else {
      await patchOne(p, r, ctx, deps);
      progress();
    }
  });
  deps.signal.removeEventListener('abort', onCancel);
  return r;
}

/** A progress line per write done (after the first few seconds). */
function writeProgress(writes: number, sent: () => number, deps: TransferDeps): () => void {
  let done = 0;
  const report = createProgress(deps.log, 'upload', deps.now);
  return () => {
    done += 1;
    const rate = formatRate(sent(), deps.now() - deps.started);
    report(`${done} of ${writes} files written, ${formatBytes(sent())} sent, ${rate}`);
  };
}

async function uploadOne(u: PlannedUpload, r: WriteResult, ctx: WriteContext, deps: TransferDeps) {
  try {
    const to = {
      openBucket: ctx.openBucket,
      openMultipart: ctx.multipart.open,
      predefinedAcl: ctx.predefinedAcl,
    };
    const sent = await uploadObject(to, u);
    r.uploaded += 1;
    r.uploadedBytes += sent.bytes;
    r.sentBytes += sent.sent;
    r.changed.push(u.file.name);
    deps.log.debug(`uploaded ${u.file.path} (${u.reason})`);
  } catch (err) {
    r.failures.push(writeFailure(u.file.path, describeApiError(err, 'upload failed'), deps));
  }
}

async function patchOne(p: PlannedPatch, r: WriteResult, ctx: WriteContext, deps: TransferDeps) {
  try {
    await patchObject(await ctx.openBucket(), p.file.name, p.patch);
    r.patched += 1;
    r.changed.push(p.file.name);
    deps.log.debug(`updated ${p.file.path} (${p.changes.join(', ')})`);
  } catch (err) {
    r.failures.push(writeFailure(p.file.path, describeApiError(err, 'metadata update failed'), deps));
  }
}
