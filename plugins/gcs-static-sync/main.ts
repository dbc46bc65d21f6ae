// gcs-static-sync: syncs a folder to a Cloud Storage prefix. In order: read the settings;
// list the remote prefix once; walk and hash the source; compute the plan; upload new and
// changed files and patch changed metadata; delete last, and only when everything before
// succeeded; invalidate Cloud CDN; print the summary. Exit 1 when any file failed. On SIGTERM
// or SIGINT: no new write, no delete, no CDN invalidation of a half sync (cancelled.ts).
import type { Agent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Bucket, Storage, StorageOptions } from '@google-cloud/storage';
import { CancelledError, cancellation } from '../../common/cancel.ts';
import { errorMessage, PluginError } from '../../common/errors.ts';
import { createGoogleClient, type GoogleClient } from '../../common/gcp/auth.ts';
import type { Logger } from '../../common/log.ts';
import { type BaseDeps, withBaseDeps } from '../../common/plugin.ts';
import type { Env } from '../../common/settings.ts';
import { cancelledMessage, cdnSkippedMessage, type LeftUndone, nothingLeft } from './cancelled.ts';
import { COMPUTE_ENDPOINT, invalidateCdn } from './cdn.ts';
import { collapsePaths, urlPathsOf } from './cdn-paths.ts';
import { sendsCredentials } from './endpoint.ts';
import { createIgnoreMatcher, isIgnoredPath } from './ignore.ts';
import { createListClient } from './list-client.ts';
import { computeSyncPlan, type SyncPlan } from './plan.ts';
import { forEachLimit } from './pool.ts';
import { createProgress } from './progress.ts';
import { listRemote, type RemoteObject } from './remote.ts';
import { resolveSettings, type Settings } from './settings.ts';
import { completeHashes, scanSource } from './source.ts';
import type { RetryOptions } from './storage.ts';
import { formatBytes, formatRate, formatSummary, type SyncCounts } from './summary.ts';
import { showTarget } from './target.ts';
import { deleteObject, patchObject, uploadObject } from './upload.ts';

export type { Settings };

export interface Deps extends BaseDeps {
  /** The Cloud Storage client (default: the library's, loaded once the hashing has started). */
  createStorage?: (opts: StorageOptions) => Storage;
  /** For the Compute API (CDN invalidation). */
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  /** Relative `source` folders are resolved against this (the Drone workspace). */
  cwd: string;
  /** HTTPS agent for Google token requests (tests trust the testbed's CA with it). */
  httpsAgent?: Agent;
  /** Overrides of the Cloud Storage retry settings (tests shorten the backoff). */
  storageRetry?: Partial<RetryOptions>;
}

function fillDeps(partial: Partial<Deps>): Deps {
  const base = withBaseDeps<Deps>(partial);
  return {
    ...base,
    fetch: partial.fetch ?? globalThis.fetch,
    sleep: partial.sleep ?? ((ms) => sleep(ms).then(() => undefined)),
    cwd: partial.cwd ?? process.cwd(),
  };
}

/** A message for an API error that says what to do about the common ones. */
function describeApiError(err: unknown, what: string): string {
  const code = (err as { code?: unknown }).code;
  const msg = errorMessage(err);
  if (code === 404) return `${what}: not found (does the bucket exist?): ${msg}`;
  if (code === 401 || code === 403)
    return `${what}: permission denied (does the service account have roles/storage.objectAdmin on the bucket?): ${msg}`;
  return `${what}: ${msg}`;
}

function printPlan(plan: SyncPlan, log: Logger): void {
  for (const u of plan.uploads)
    log.info(
      `upload ${u.file.path} (${u.reason}, ${formatBytes(u.file.hash.size)}${u.file.attrs.gzip ? ', gzip' : ''})`,
    );
  for (const p of plan.patches) log.info(`update ${p.file.path} (${p.changes.join(', ')})`);
  for (const d of plan.deletes) log.info(`delete ${d.name}`);
  for (const k of plan.kept) log.info(`keep ${k.name} (updated recently)`);
}

export async function run(env: Env, partial: Partial<Deps> = {}): Promise<void> {
  const deps = fillDeps(partial);
  const { log } = deps;
  const started = deps.now();
  const settings = resolveSettings(env, log, deps.cwd);
  const cfg = settings;
  const where = showTarget(cfg.target);
  const dryRun = settings.dryRun;
  log.info(
    `gcs-static-sync: ${settings.source} -> ${where}${dryRun ? ' (dry run: nothing is changed)' : ''}`,
  );

  // Google's client (for the listing's tokens when the endpoint is Google's, and for the CDN)
  // and the CDN's project are settled before anything changes.
  let google: GoogleClient | undefined;
  if (cfg.cdn || sendsCredentials(settings.storageEndpoint))
    google = await createGoogleClient({
      credentials: cfg.credentials,
      keyFile: cfg.keyFile,
      tokenUrl: settings.tokenUrl,
      agent: deps.httpsAgent,
    });
  let project: string | undefined = settings.project;
  if (cfg.cdn && google) {
    project ??= await google.projectId();
    if (!project)
      throw new PluginError(
        'setting "project" (PLUGIN_PROJECT) is needed for "cdn_invalidate": the credentials name no project',
      );
  }

  // The source is walked and hashed while the prefix is listed: neither needs the other.
  let hashed = 0;
  const hashProgress = createProgress(log, 'hash', deps.now);
  const ignoreMatcher = createIgnoreMatcher(cfg.ignore);
  const scanning = scanSource(cfg, ignoreMatcher, settings.concurrency, (done, total) => {
    hashed = done;
    hashProgress(`hashed ${done} of ${total} files`);
  });
  // Awaited below; this keeps a failure from counting as unhandled meanwhile.
  scanning.catch(() => undefined);

  log.section(`listing ${where}`);
  let remote: Map<string, RemoteObject>;
  try {
    const client = sendsCredentials(settings.storageEndpoint) ? google : undefined;
    const token = client ? async () => (await client.getAccessToken()).token : undefined;
    const lister = await createListClient({
      endpoint: settings.storageEndpoint,
      bucket: cfg.target.bucket,
      token,
      retry: deps.storageRetry,
      sleep: deps.sleep,
      httpsAgent: deps.httpsAgent,
      env,
    });
    const progress = createProgress(log, 'list', deps.now);
    try {
      remote = await listRemote(
        lister,
        cfg.target.prefix,
        (n) => progress(`listed ${n} objects${hashed > 0 ? ` (${hashed} files hashed meanwhile)` : ''}`),
        Math.min(settings.concurrency, 8),
      );
    } finally {
      lister.close();
    }
  } catch (err) {
    await scanning.catch(() => undefined);
    throw new PluginError(`${describeApiError(err, `listing ${where} failed`)}; nothing was changed`, {
      cause: err,
    });
  }
  log.info(`${remote.size} objects under ${where}`);

  log.section(`hashing ${settings.source}`);
  const scan = await scanning;
  const { files, failures, unreadable } = await completeHashes(scan, remote);
  for (const f of failures) log.error(`failed: ${f.path}: ${f.problem}`);
  const ignored = scan.ignored;
  log.info(`${files.length} files${ignored > 0 ? `, ${ignored} ignored` : ''}`);
  const plan = computeSyncPlan(files, remote, {
    prefix: cfg.target.prefix,
    delete: settings.delete,
    deleteOlderThanMs: cfg.deleteOlderThanMs,
    now: deps.now(),
    ignored: (p) => isIgnoredPath(ignoreMatcher, p),
    unreadable,
  });
  if (files.length === 0 && failures.length === 0 && plan.deletes.length > 0) {
    throw new PluginError(
      `source folder "${settings.source}" holds no files: refusing to delete all ${plan.deletes.length} objects under ${where} (did the build write the files?); nothing was changed`,
    );
  }

  const counts: SyncCounts = {
    uploaded: 0,
    uploadedBytes: 0,
    sentBytes: 0,
    unchanged: plan.unchanged,
    patched: 0,
    deleted: 0,
    kept: plan.kept.length,
    extra: plan.extra,
    failed: 0,
    ignored,
    elapsedMs: 0,
  };
  const changedNames: string[] = [];
  // Planned writes not started because the run was cancelled.
  const undone: LeftUndone = { uploads: 0, patches: 0, deletes: 0 };

  if (dryRun) {
    log.section('plan (dry run)');
    printPlan(plan, log);
    counts.uploaded = plan.uploads.length;
    counts.uploadedBytes = plan.uploads.reduce((n, u) => n + u.file.hash.size, 0);
    counts.sentBytes = counts.uploadedBytes;
    counts.patched = plan.patches.length;
    counts.deleted = plan.deletes.length;
  } else {
    const writes = plan.uploads.length + plan.patches.length;
    if (writes > 0) log.section(`uploading to ${where}`);
    let done = 0;
    const report = createProgress(log, 'upload', deps.now);
    const progress = () => {
      done += 1;
      const ms = deps.now() - started;
      report(
        `${done} of ${writes} files written, ${formatBytes(counts.sentBytes)} sent, ${formatRate(counts.sentBytes, ms)}`,
      );
    };
    // The storage library is loaded only when there is something to change (once).
    let bucket: Promise<Bucket> | undefined;
    const openBucket = (): Promise<Bucket> => {
      bucket ??= import('./storage.ts').then(({ createStorage, storageOptions }) =>
        (deps.createStorage ?? createStorage)(
          storageOptions({
            endpoint: settings.storageEndpoint,
            credentials: cfg.credentials,
            keyFile: cfg.keyFile,
            projectId: project,
            retry: deps.storageRetry,
            noRetryAfter: deps.signal,
          }),
        ).bucket(cfg.target.bucket),
      );
      return bucket;
    };
    const fail = (path: string, why: string) => {
      const problem = cancellation(deps.signal) ? `${why} (the run was cancelled: no further retry)` : why;
      failures.push({ path, problem });
      log.error(`failed: ${path}: ${problem}`);
    };
    const onCancel = () =>
      log.info('no new upload or update is started; those in flight finish, not retried');
    deps.signal.addEventListener('abort', onCancel, { once: true });
    await forEachLimit(plan.uploads, settings.concurrency, async (u) => {
      if (cancellation(deps.signal)) {
        undone.uploads += 1;
        return;
      }
      try {
        const r = await uploadObject(await openBucket(), u, { predefinedAcl: settings.predefinedAcl });
        counts.uploaded += 1;
        counts.uploadedBytes += r.bytes;
        counts.sentBytes += r.sent;
        changedNames.push(u.file.name);
        log.debug(`uploaded ${u.file.path} (${u.reason})`);
      } catch (err) {
        fail(u.file.path, describeApiError(err, 'upload failed'));
      }
      progress();
    });
    await forEachLimit(plan.patches, settings.concurrency, async (p) => {
      if (cancellation(deps.signal)) {
        undone.patches += 1;
        return;
      }
      try {
        await patchObject(await openBucket(), p.file.name, p.patch);
        counts.patched += 1;
        changedNames.push(p.file.name);
        log.debug(`updated ${p.file.path} (${p.changes.join(', ')})`);
      } catch (err) {
        fail(p.file.path, describeApiError(err, 'metadata update failed'));
      }
      progress();
    });
    deps.signal.removeEventListener('abort', onCancel);

    const stopped = cancellation(deps.signal);
    if (plan.deletes.length > 0) {
      if (stopped) {
        log.warn(
          `not deleting ${plan.deletes.length} objects under ${where}: the run was cancelled (${stopped.signal}), and a delete must only follow a whole sync`,
        );
        undone.deletes = plan.deletes.length;
      } else if (failures.length > 0) {
        log.warn(
          `not deleting ${plan.deletes.length} objects under ${where}: ${failures.length} files failed, and a delete must never follow a failure`,
        );
        counts.extra += plan.deletes.length;
      } else {
        log.section(`deleting from ${where}`);
        let deleted = 0;
        const report = createProgress(log, 'delete', deps.now);
        await forEachLimit(plan.deletes, settings.concurrency, async (d) => {
          if (cancellation(deps.signal)) {
            undone.deletes += 1;
            return;
          }
          try {
            await deleteObject(await openBucket(), d.name);
            counts.deleted += 1;
            changedNames.push(d.name);
            log.debug(`deleted ${d.name}`);
          } catch (err) {
            fail(d.name, describeApiError(err, 'delete failed'));
          }
          deleted += 1;
          report(`${deleted} of ${plan.deletes.length} objects deleted`);
        });
      }
    }
  }
  counts.failed = failures.length;
  const cancelled = cancellation(deps.signal);
  if (cancelled && !dryRun) counts.cancelled = undone;

  let cdnError: unknown;
  let cdnSkipped = false;
  if (cfg.cdn && google && project) {
    const names = dryRun
      ? [
          ...plan.uploads.map((u) => u.file.name),
          ...plan.patches.map((p) => p.file.name),
          ...plan.deletes.map((d) => d.name),
        ]
      : changedNames;
    const paths =
      cfg.cdn.paths === 'changed' ? collapsePaths(urlPathsOf(names), cfg.cdn.maxPaths) : cfg.cdn.paths;
    log.section(`CDN invalidation (URL map ${cfg.cdn.urlMap})`);
    if (paths.length === 0) log.info('nothing changed: no invalidation');
    else if (dryRun) for (const p of paths) log.info(`would invalidate ${p}`);
    else if (!nothingLeft(undone)) {
      cdnSkipped = true;
      log.warn(cdnSkippedMessage(paths, cfg.cdn.paths === 'changed'));
    } else {
      const client = google;
      try {
        await invalidateCdn(
          {
            endpoint: settings.computeEndpoint ?? COMPUTE_ENDPOINT,
            project,
            urlMap: cfg.cdn.urlMap,
            host: cfg.cdn.host,
            paths,
          },
          {
            fetch: deps.fetch,
            accessToken: async () => (await client.getAccessToken()).token,
            log,
            sleep: deps.sleep,
          },
        );
      } catch (err) {
        cdnError = err;
      }
    }
  }

  counts.elapsedMs = deps.now() - started;
  log.section(dryRun ? 'summary (dry run)' : 'summary');
  log.info(formatSummary(counts, dryRun));

  if (cancelled) {
    const message = cancelledMessage(cancelled.signal, {
      dryRun,
      uploaded: counts.uploaded,
      plannedUploads: plan.uploads.length,
      patched: counts.patched,
      plannedPatches: plan.patches.length,
      failed: failures.length,
      undone,
      cdnSkipped,
    });
    throw new CancelledError(cancelled.signal, cdnError ? `${message}; ${errorMessage(cdnError)}` : message);
  }

  if (failures.length > 0) {
    // Sorted: uploads finish in any order, and the message should not change from run to run.
    const first = [...failures]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .slice(0, 3)
      .map((f) => f.path)
      .join(', ');
    const more = failures.length > 3 ? `, and ${failures.length - 3} more` : '';
    const cdn = cdnError ? `; ${errorMessage(cdnError)}` : '';
    throw new PluginError(`${failures.length} files failed (${first}${more}); see the lines above${cdn}`);
  }
  if (cdnError) throw new PluginError(errorMessage(cdnError), { cause: cdnError });
}
