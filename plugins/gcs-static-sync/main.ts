// gcs-static-sync: syncs a folder to a Cloud Storage prefix. In order: read the settings;
// connect (Google's client, the CDN's project); survey (walk and hash the source while the
// prefix is listed); plan; transfer (upload new and changed files, patch changed metadata);
// delete last, and only when everything before succeeded; invalidate Cloud CDN; write Drone's
// card (when DRONE_CARD_PATH is set); summarise.
// Exit 1 when any file failed. On SIGTERM or SIGINT: no new write, no delete, no CDN
// invalidation of a half sync (cancelled.ts).
import type { Agent } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Storage, StorageOptions } from '@google-cloud/storage';
import { cancellation } from '../../common/cancel.ts';
import { type BaseDeps, withBaseDeps } from '../../common/plugin.ts';
import type { Env } from '../../common/settings.ts';
import { lazyBucket, lazyMultipart } from './bucket.ts';
import { publishSyncCard, syncCard } from './card.ts';
import { connect } from './connect.ts';
import { deleteExtra } from './deletion.ts';
import { invalidate } from './invalidate.ts';
import { planSync, printPlan } from './plan-sync.ts';
import type { RetryOptions } from './retry.ts';
import { resolveSettings, type Settings } from './settings.ts';
import { summarise } from './summary.ts';
import { survey } from './survey.ts';
import { showTarget } from './target.ts';
import { plannedWrites, transfer } from './transfer.ts';

export type { Settings };

export interface Deps extends BaseDeps {
  /** The Cloud Storage client (default: the library's, loaded once there is something to write). */
  createStorage?: (opts: StorageOptions) => Storage;
  /** For the Compute API (CDN invalidation). */
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  /** Relative `source` folders are resolved against this (the Drone workspace). */
  cwd: string;
  /** HTTPS agent for Google token requests (tests trust the testbed's CA with it). */
  httpsAgent?: Agent;
  /** Overrides of the retry settings of every HTTP call (retry.ts; tests shorten the backoff). */
  storageRetry?: Partial<RetryOptions>;
}

export function withDeps(partial: Partial<Deps>): Deps {
  const base = withBaseDeps<Deps>(partial);
  return {
    ...base,
    // Looked up when called: reading globalThis.fetch loads Node's undici (~100 ms of CPU),
    // which only a CDN invalidation needs.
    fetch: partial.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    sleep: partial.sleep ?? ((ms) => sleep(ms).then(() => undefined)),
    cwd: partial.cwd ?? process.cwd(),
  };
}

export async function run(env: Env, partial: Partial<Deps> = {}): Promise<void> {
  const deps = withDeps(partial);
  const started = deps.now();
  const settings = resolveSettings(env, deps.log, deps.cwd);
  const where = showTarget(settings.target);
  const dry = settings.dryRun ? ' (dry run: nothing is changed)' : '';
  deps.log.info(`gcs-static-sync: ${settings.source} -> ${where}${dry}`);

  const connection = await connect(settings, deps.httpsAgent);
  const source = await survey(settings, connection.google, env, deps);
  const plan = planSync(settings, source, deps.now());
  const ctx = {
    openBucket: lazyBucket(settings, connection.project, deps),
    multipart: lazyMultipart(settings, connection.google, env, deps),
    predefinedAcl: settings.predefinedAcl,
    concurrency: settings.concurrency,
    where,
  };
  if (settings.dryRun) printPlan(plan, deps.log);
  const written = settings.dryRun
    ? plannedWrites(plan, source.failures)
    : await deleteExtra(
        plan.deletes,
        await transfer(plan, source.failures, ctx, { ...deps, started }),
        ctx,
        deps,
      );
  const cancelled = cancellation(deps.signal);
  const cdn = await invalidate(settings, connection, written, deps);
  const elapsedMs = deps.now() - started;
  const outcome = {
    dryRun: settings.dryRun,
    plan,
    ignored: source.ignored,
    written,
    cdn,
    cancelled,
    elapsedMs,
  };
  publishSyncCard(env, syncCard(outcome, where), deps.log);
  summarise(outcome, deps.log);
}
