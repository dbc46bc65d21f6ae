// The checks the schema cannot express, turning valid settings into the run's configuration:
// the credentials decoded, the target parsed, the source folder found, globs and keys checked.
// Each problem names its setting, and all of them are reported at once: these checks also
// run when the schema refused a setting (that one is then absent), so none is taken to be
// present.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration } from '../../common/duration.ts';
import { type SettingIssue, SettingsError } from '../../common/errors.ts';
import { type GoogleCredentials, parseCredentials } from '../../common/gcp/credentials.ts';
import type { Masker } from '../../common/mask.ts';
import type { SettingsOf } from '../../common/schema.ts';
import type { Env } from '../../common/settings.ts';
import { type AttributeSettings, SOURCE_MD5_KEY } from './attributes.ts';
import { ignoreGlobProblem } from './ignore.ts';
import type { schema } from './schema.ts';
import { type BucketTarget, parseBucketTarget } from './target.ts';

export type Settings = SettingsOf<typeof schema>;

export interface CdnConfig {
  urlMap: string;
  /** 'changed', or the paths to invalidate as given. */
  paths: 'changed' | string[];
  host: string | undefined;
  maxPaths: number;
}

export interface SyncConfig {
  sourceDir: string;
  target: BucketTarget;
  credentials: GoogleCredentials | undefined;
  /** GOOGLE_APPLICATION_CREDENTIALS from the plugin's environment, for ADC. */
  keyFile: string | undefined;
  ignore: string[];
  attributes: AttributeSettings;
  deleteOlderThanMs: number | undefined;
  cdn: CdnConfig | undefined;
}

export interface Resolved {
  issues: SettingIssue[];
  config: SyncConfig | undefined;
}

export const DEFAULT_MAX_PATHS = 10;

const METADATA_KEY = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const EXTENSION = /^\.?[A-Za-z0-9][A-Za-z0-9_+.-]*$/;

export function resolveConfig(
  s: Partial<Settings>,
  source: (setting: string) => string,
  ctx: { cwd: string; env: Env; masker: Masker; invalid?: ReadonlySet<string> },
): Resolved {
  const issues: SettingIssue[] = [];
  const issue = (setting: string, problem: string) =>
    issues.push({ setting, variable: source(setting), problem });

  // Decoded forms of the key are registered with the masker as they are found.
  let credentials: GoogleCredentials | undefined;
  if (s.token !== undefined) {
    try {
      credentials = parseCredentials(s.token, ctx.masker, 'token', source('token'));
    } catch (err) {
      if (!(err instanceof SettingsError)) throw err;
      issues.push(...err.issues);
    }
  }

  const sourceDir = s.source !== undefined ? resolve(ctx.cwd, s.source) : undefined;
  if (sourceDir !== undefined) {
    try {
      if (!statSync(sourceDir).isDirectory())
        issue('source', `"${s.source}" is not a folder (${sourceDir}); name the folder to sync`);
    } catch {
      issue(
        'source',
        `folder "${s.source}" does not exist (${sourceDir}); did the build write it? Set "source" to the folder it writes`,
      );
    }
  }

  const target = s.target !== undefined ? parseBucketTarget(s.target) : undefined;
  if (target && !target.ok) issue('target', target.problem);

  for (const glob of s.ignore ?? []) {
    const problem = ignoreGlobProblem(glob);
    if (problem) issue('ignore', problem);
  }

  const cache = s.cache_control;
  if (typeof cache === 'string' && cache.trim() === '') issue('cache_control', 'is empty');
  if (typeof cache === 'object') {
    const rules = Array.isArray(cache)
      ? cache.flatMap((rule) => Object.entries(rule))
      : Object.entries(cache);
    if (rules.length === 0) issue('cache_control', 'has no rules: give at least one glob');
    for (const [glob, value] of rules) {
      if (glob.trim() === '') issue('cache_control', 'a glob is empty');
      if (value.trim() === '') issue('cache_control', `the value for "${glob}" is empty`);
    }
  }

  for (const key of Object.keys(s.metadata ?? {})) {
    if (key === SOURCE_MD5_KEY)
      issue('metadata', `"${key}" is reserved: the plugin keeps the source MD5 in it`);
    else if (!METADATA_KEY.test(key)) issue('metadata', `key "${key}" is not a valid HTTP header name`);
  }

  for (const ext of Object.keys(s.content_type ?? {})) {
    if (!EXTENSION.test(ext))
      issue('content_type', `key "${ext}" is not a file extension (write e.g. "wasm")`);
  }

  let deleteOlderThanMs: number | undefined;
  if (s.delete_older_than !== undefined) {
    deleteOlderThanMs = parseDuration(s.delete_older_than);
    if (!s.delete && !ctx.invalid?.has('delete'))
      issue(
        'delete_older_than',
        `has no effect without "delete: true" (${source('delete')}); set both or neither`,
      );
  }

  let cdn: CdnConfig | undefined;
  const c = s.cdn_invalidate;
  if (typeof c === 'string')
    cdn = { urlMap: c, paths: 'changed', host: undefined, maxPaths: DEFAULT_MAX_PATHS };
  else if (c !== undefined) {
    cdn = {
      urlMap: c.url_map as string,
      paths: Array.isArray(c.paths) ? c.paths : 'changed',
      host: c.host,
      maxPaths: c.max_paths ?? DEFAULT_MAX_PATHS,
    };
  }
  if (cdn && s.project === undefined && !ctx.invalid?.has('project') && credentials && !credentials.projectId)
    issue('project', 'is needed for "cdn_invalidate": the credentials in "token" name no project');

  // Without the settings the schema refused there is no configuration, only the problems.
  if (issues.length > 0 || !target?.ok || sourceDir === undefined) return { issues, config: undefined };
  const keyFile = ctx.env.GOOGLE_APPLICATION_CREDENTIALS;
  return {
    issues,
    config: {
      sourceDir,
      target: target.target,
      credentials,
      keyFile: keyFile === '' ? undefined : keyFile,
      ignore: s.ignore ?? [],
      attributes: {
        cacheControl: s.cache_control,
        gzip: s.gzip ?? [],
        contentType: s.content_type ?? {},
        metadata: s.metadata ?? {},
      },
      deleteOlderThanMs,
      cdn,
    },
  };
}
