// gcs-static-sync's settings, read once and resolved into the one object the sync runs on:
// the credentials decoded, the target parsed, the source folder found, globs and keys
// checked. Each problem names its setting, and all of them are reported at once: these
// checks also run when the schema refused a setting (that one is then absent), so none is
// taken to be present.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration } from '../../common/duration.ts';
import { type SettingIssue, SettingsError } from '../../common/errors.ts';
import { type GoogleCredentials, parseCredentials } from '../../common/gcp/credentials.ts';
import type { Logger } from '../../common/log.ts';
import type { Masker } from '../../common/mask.ts';
import { type Resolution, readResolvedSettings } from '../../common/plugin.ts';
import type { SettingsOf } from '../../common/schema.ts';
import type { Env } from '../../common/settings.ts';
import { type AttributeSettings, SOURCE_MD5_KEY } from './attributes.ts';
import { ignoreGlobProblem } from './ignore.ts';
import { schema } from './schema.ts';
import { type BucketTarget, parseBucketTarget } from './target.ts';

/** What the schema gives. */
export type RawSettings = SettingsOf<typeof schema>;

export interface CdnSettings {
  urlMap: string;
  /** 'changed', or the paths to invalidate as given. */
  paths: 'changed' | string[];
  host: string | undefined;
  maxPaths: number;
}

/** The settings the sync runs on, every one resolved. */
export interface Settings {
  /** As written (for messages). */
  source: string;
  /** `source`, absolute. */
  sourceDir: string;
  target: BucketTarget;
  credentials: GoogleCredentials | undefined;
  /** GOOGLE_APPLICATION_CREDENTIALS from the plugin's environment, for ADC. */
  keyFile: string | undefined;
  project: string | undefined;
  tokenUrl: string | undefined;
  storageEndpoint: string | undefined;
  computeEndpoint: string | undefined;
  ignore: string[];
  attributes: AttributeSettings;
  predefinedAcl: string | undefined;
  delete: boolean;
  deleteOlderThanMs: number | undefined;
  dryRun: boolean;
  concurrency: number;
  cdn: CdnSettings | undefined;
}

const DEFAULT_MAX_PATHS = 10;

const METADATA_KEY = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const EXTENSION = /^\.?[A-Za-z0-9][A-Za-z0-9_+.-]*$/;

type Raw = Partial<RawSettings>;
type Issue = (setting: string, problem: string) => void;

interface Context {
  cwd: string;
  env: Env;
  masker: Masker;
  invalid: ReadonlySet<string>;
}

/** Reads, validates and resolves the settings; throws SettingsError with every problem. */
export function resolveSettings(env: Env, log: Logger, cwd: string): Settings {
  return readResolvedSettings<Raw, Settings>(schema, env, log, (s, source, invalid) =>
    resolveRaw(s, source, { cwd, env, masker: log.masker, invalid }),
  );
}

function resolveRaw(s: Raw, source: (setting: string) => string, ctx: Context): Resolution<Settings> {
  const issues: SettingIssue[] = [];
  const issue: Issue = (setting, problem) => issues.push({ setting, variable: source(setting), problem });
  const credentials = decodeCredentials(s, source, ctx.masker, issues);
  const sourceDir = s.source !== undefined ? checkSource(s.source, ctx.cwd, issue) : undefined;
  const target = s.target !== undefined ? parseBucketTarget(s.target) : undefined;
  if (target && !target.ok) issue('target', target.problem);
  for (const glob of s.ignore ?? []) {
    const problem = ignoreGlobProblem(glob);
    if (problem) issue('ignore', problem);
  }
  checkAttributes(s, issue);
  const deleteOlderThanMs = resolveDeleteAge(s, ctx.invalid, source, issue);
  const cdn = resolveCdn(s);
  if (cdn && s.project === undefined && !ctx.invalid.has('project') && credentials && !credentials.projectId)
    issue('project', 'is needed for "cdn_invalidate": the credentials in "token" name no project');

  // Without the settings the schema refused there are no settings, only the problems.
  if (issues.length > 0 || !target?.ok || sourceDir === undefined || s.source === undefined)
    return { issues };
  const keyFile = ctx.env.GOOGLE_APPLICATION_CREDENTIALS;
  return {
    issues,
    resolved: {
      source: s.source,
      sourceDir,
      target: target.target,
      credentials,
      keyFile: keyFile === '' ? undefined : keyFile,
      project: s.project,
      tokenUrl: s.token_url,
      storageEndpoint: s.storage_endpoint,
      computeEndpoint: s.compute_endpoint,
      ignore: s.ignore ?? [],
      attributes: {
        cacheControl: s.cache_control,
        gzip: s.gzip ?? [],
        contentType: s.content_type ?? {},
        metadata: s.metadata ?? {},
      },
      predefinedAcl: s.predefined_acl,
      delete: s.delete ?? false,
      deleteOlderThanMs,
      dryRun: s.dry_run ?? false,
      concurrency: s.concurrency ?? 16,
      cdn,
    },
  };
}

/** The decoded key; its decoded forms are registered with the masker as they are found. */
function decodeCredentials(
  s: Raw,
  source: (setting: string) => string,
  masker: Masker,
  issues: SettingIssue[],
): GoogleCredentials | undefined {
  if (s.token === undefined) return undefined;
  try {
    return parseCredentials(s.token, masker, 'token', source('token'));
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    issues.push(...err.issues);
    return undefined;
  }
}

/** The source folder, absolute (reported when it is not a folder). */
function checkSource(source: string, cwd: string, issue: Issue): string {
  const sourceDir = resolve(cwd, source);
  try {
    if (!statSync(sourceDir).isDirectory())
      issue('source', `"${source}" is not a folder (${sourceDir}); name the folder to sync`);
  } catch {
    issue(
      'source',
      `folder "${source}" does not exist (${sourceDir}); did the build write it? Set "source" to the folder it writes`,
    );
  }
  return sourceDir;
}

/** cache_control, metadata and content_type: what the schema cannot say about them. */
function checkAttributes(s: Raw, issue: Issue): void {
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
}

function resolveDeleteAge(
  s: Raw,
  invalid: ReadonlySet<string>,
  source: (setting: string) => string,
  issue: Issue,
): number | undefined {
  if (s.delete_older_than === undefined) return undefined;
  if (!s.delete && !invalid.has('delete'))
    issue(
      'delete_older_than',
      `has no effect without "delete: true" (${source('delete')}); set both or neither`,
    );
  return parseDuration(s.delete_older_than);
}

function resolveCdn(s: Raw): CdnSettings | undefined {
  const c = s.cdn_invalidate;
  if (c === undefined) return undefined;
  if (typeof c === 'string')
    return { urlMap: c, paths: 'changed', host: undefined, maxPaths: DEFAULT_MAX_PATHS };
  return {
    urlMap: c.url_map as string,
    paths: Array.isArray(c.paths) ? c.paths : 'changed',
    host: c.host,
    maxPaths: c.max_paths ?? DEFAULT_MAX_PATHS,
  };
}
