// What every plugin run gets: a logger with its masker, an exec runner, a place for secret
// files, and a clock. Plugins extend this with their own clients; tests replace any of it.

import type { SettingIssue } from './errors.ts';
import { createExec, type Exec } from './exec.ts';
import { createLogger, type Logger, type LogSink } from './log.ts';
import type { PluginSchema } from './schema.ts';
import { createSecretFiles, type SecretFiles } from './secret-file.ts';
import { type Env, loadSettings } from './settings.ts';

export interface BaseDeps {
  log: Logger;
  exec: Exec;
  secretFiles: SecretFiles;
  now: () => number;
  /** Aborted with a CancelledError when the run is asked to stop (SIGTERM, SIGINT). */
  signal: AbortSignal;
}

export function createBaseDeps(opts: { sink?: LogSink; log?: Logger } = {}): BaseDeps {
  const log = opts.log ?? createLogger(opts.sink ? { sink: opts.sink } : {});
  return {
    log,
    exec: createExec(log),
    secretFiles: createSecretFiles(),
    now: Date.now,
    signal: new AbortController().signal,
  };
}

/** Fills in what a caller (a test, or the entry) did not give; exec always masks with the given logger. */
export function withBaseDeps<D extends BaseDeps>(partial: Partial<D>): BaseDeps & Partial<D> {
  const base = createBaseDeps(partial.log ? { log: partial.log } : {});
  return { ...base, ...partial } as BaseDeps & Partial<D>;
}

/**
 * Settings, read once: loaded and validated (secrets registered with the logger's masker on
 * the way), then the loader's warnings printed. Throws SettingsError with every problem.
 */
export function readSettings<T>(
  schema: PluginSchema,
  env: Env,
  log: Logger,
  check?: (settings: T, source: (setting: string) => string, invalid: ReadonlySet<string>) => SettingIssue[],
): T {
  return readSettingsWithSources(schema, env, log, check).settings;
}

/** readSettings, plus which variable each setting came from (for errors found later). */
export function readSettingsWithSources<T>(
  schema: PluginSchema,
  env: Env,
  log: Logger,
  check?: (settings: T, source: (setting: string) => string, invalid: ReadonlySet<string>) => SettingIssue[],
): { settings: T; source: (setting: string) => string } {
  const loaded = loadSettings<T>(schema, env, check ? { masker: log.masker, check } : { masker: log.masker });
  for (const w of loaded.warnings) log.warn(w);
  if ((loaded.settings as { debug?: boolean }).debug === true) log.setDebug(true);
  return { settings: loaded.settings, source: (k) => loaded.sources[k] ?? `PLUGIN_${k.toUpperCase()}` };
}

/** What a plugin's resolver returns: the resolved settings when it could build them, and every problem. */
export interface Resolution<R> {
  resolved?: R;
  issues: SettingIssue[];
}

/**
 * Settings, read once and resolved into the one object the plugin runs on: the schema's
 * values go to `resolve` (with where each came from and which were refused), which checks
 * them across settings and against the world and builds the resolved object. Every problem,
 * the schema's and the resolver's, ends in one SettingsError; no closure smuggles the result out.
 */
export function readResolvedSettings<T, R>(
  schema: PluginSchema,
  env: Env,
  log: Logger,
  resolve: (settings: T, source: (setting: string) => string, invalid: ReadonlySet<string>) => Resolution<R>,
): R {
  let resolution: Resolution<R> | undefined;
  readSettingsWithSources<T>(schema, env, log, (s, source, invalid) => {
    resolution = resolve(s, source, invalid);
    return resolution.issues;
  });
  // loadSettings throws when there is any issue, so a missing result is a resolver's bug.
  if (!resolution?.resolved) throw new Error('settings resolver returned neither settings nor issues');
  return resolution.resolved;
}
