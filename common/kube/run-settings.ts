// What gke-deploy and rollback resolve alike from their settings: the lock's mode and
// durations, the summary file's path (its folder checked with the other settings), and
// where each setting came from, for problems found on a cluster later.
import { resolve } from 'node:path';
import type { SettingIssue } from '../errors.ts';
import type { Logger } from '../log.ts';
import { type Resolution, readResolvedSettings } from '../plugin.ts';
import type { PluginSchema } from '../schema.ts';
import type { Env } from '../settings.ts';
import { maskProxyCredentials } from './access-mode.ts';
import { type LockTimes, resolveLockTimes } from './lock-schema.ts';
import { summaryFileIssues } from './summary.ts';

/** The raw settings this resolves (the schema's names). */
export type KubeRunKeys = 'lock' | 'lock_timeout' | 'cancel_grace' | 'summary_file';

export interface KubeRunSettings extends LockTimes {
  /** The variable each setting came from, for problems found later. */
  source: (setting: string) => string;
  /** The summary file, from the workspace. */
  summaryFile: string;
}

/**
 * The plugin's own `issues` with the summary file's; when there is none (and the schema
 * refused nothing), the settings that `build` makes from the shared ones.
 */
function resolveKubeRun<R>(
  raw: { lock: string; lock_timeout: string; cancel_grace: string; summary_file: string },
  where: { source: (setting: string) => string; invalid: ReadonlySet<string>; workspace: string },
  issues: readonly SettingIssue[],
  build: (shared: KubeRunSettings) => R,
): Resolution<R> {
  const all = [...issues, ...summaryFileIssues(where.workspace, raw.summary_file, where.source)];
  if (all.length > 0 || where.invalid.size > 0) return { issues: all };
  const shared = {
    ...resolveLockTimes(raw),
    source: where.source,
    summaryFile: resolve(where.workspace, raw.summary_file),
  };
  return { issues: all, resolved: build(shared) };
}

type KubeRaw = { lock: string; lock_timeout: string; cancel_grace: string; summary_file: string };

/** What a plugin's resolver hands back: its own problems, and how to build its settings. */
export interface KubeResolver<R> {
  issues: readonly SettingIssue[];
  build: (shared: KubeRunSettings) => R;
}

/** Every proxy_url in `clusters` objects and `targets` entries (the step's own is a secret setting). */
function proxyUrlsIn(raw: { clusters?: unknown; targets?: unknown }): (string | undefined)[] {
  const own = (o: unknown) => {
    const url = (o as { proxy_url?: unknown } | null)?.proxy_url;
    return typeof url === 'string' ? [url] : [];
  };
  const listed = (list: unknown) => (Array.isArray(list) ? list.flatMap(own) : []);
  const targets = Object.values((raw.targets ?? {}) as Record<string, { clusters?: unknown }>);
  return [...listed(raw.clusters), ...targets.flatMap((t) => [...own(t), ...listed(t?.clusters)])];
}

/**
 * Settings read once and resolved (readResolvedSettings) by `resolve`, with the shared part
 * (resolveKubeRun) done here: every problem of either ends in one SettingsError.
 */
export function readKubeSettings<Raw extends KubeRaw, R>(
  schema: PluginSchema,
  env: Env,
  deps: { log: Logger; workspace: string },
  resolve: (raw: Raw, source: (setting: string) => string, invalid: ReadonlySet<string>) => KubeResolver<R>,
): R {
  return readResolvedSettings<Raw, R>(schema, env, deps.log, (raw, source, invalid) => {
    maskProxyCredentials(proxyUrlsIn(raw as { clusters?: unknown }), deps.log.masker);
    const mine = resolve(raw, source, invalid);
    return resolveKubeRun(raw, { source, invalid, workspace: deps.workspace }, mine.issues, mine.build);
  });
}
