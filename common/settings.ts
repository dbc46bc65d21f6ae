// PLUGIN_* environment -> typed, validated settings. In this order: read the environment
// (secrets and URLs trimmed), register secrets with the masker, decode Drone's encodings,
// apply defaults and validate with ajv, run the plugin's own checks (across settings, and
// against the file system). All problems are reported at once, in one SettingsError.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { decodeSetting, showValue } from './decode.ts';
import { type SettingIssue, SettingsError } from './errors.ts';
import type { Masker } from './mask.ts';
import {
  type JsonSchema,
  type PluginSchema,
  pluginVariable,
  type SettingSpec,
  variablesOf,
} from './schema.ts';
import { closest, editDistance } from './suggest.ts';
import { compileValidator } from './validator.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface LoadOptions<T> {
  masker: Masker;
  /**
   * The plugin's checks beyond the schema: across settings ("set zone or region, not both")
   * and against the file system (a folder that must exist). They run on every load, also
   * when the schema refused something, so that every problem is reported at once: then
   * `settings` holds only the settings that passed (with defaults) and `invalid` names those
   * given but refused. A check must therefore not take any setting to be present.
   */
  check?: (settings: T, source: (setting: string) => string, invalid: ReadonlySet<string>) => SettingIssue[];
}

export interface LoadedSettings<T> {
  settings: T;
  /** Which variable each given setting was read from (PLUGIN_X, an alias, or an unprefixed env). */
  sources: Readonly<Record<string, string>>;
  /** Warnings to print (unknown PLUGIN_* keys with no near match, aliases overridden); free of secrets. */
  warnings: string[];
}

const compiled = new WeakMap<PluginSchema, ValidateFunction>();

function validatorFor(schema: PluginSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = compileValidator(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** Validates a schema's own shape (used by tests and the docs generator). */
export function compileSchema(schema: PluginSchema): void {
  validatorFor(schema);
}

interface RawSetting {
  variable: string;
  /** The value as given, which the masker gets when the setting is secret. */
  given: string;
  /** The value decoded and validated: `given`, trimmed for secrets and URLs. */
  raw: string;
}

/**
 * Secrets and URLs lose surrounding whitespace before anything else: `drone secret add
 * --data @file` keeps the file's last newline, and no key, token or URL ends in one.
 */
function trims(spec: SettingSpec): boolean {
  return spec.secret === true || spec.format === 'uri';
}

function readRaw(schema: PluginSchema, env: Env, warnings: string[]): Map<string, RawSetting> {
  const out = new Map<string, RawSetting>();
  for (const [key, spec] of Object.entries(schema.properties)) {
    const read = (v: string) => {
      const given = env[v];
      return given !== undefined && trims(spec) ? given.trim() : given;
    };
    const given = variablesOf(key, spec).filter((v) => read(v) !== undefined && read(v) !== '');
    const first = given[0];
    if (first === undefined) continue;
    out.set(key, { variable: first, given: env[first] as string, raw: read(first) as string });
    const ignored = given.slice(1).filter((v) => env[v] !== env[first]);
    if (ignored.length > 0)
      warnings.push(`setting "${key}": ${first} is used, ${ignored.join(' and ')} ignored`);
  }
  return out;
}

/** A misspelling rather than another word: one edit, or two in a name of eight letters or more. */
function isTypo(word: string, setting: string): boolean {
  const d = editDistance(word, setting.toLowerCase());
  return d <= 1 || (d <= 2 && word.length >= 8);
}

/**
 * PLUGIN_* variables that name no setting. A near miss of a setting (the did-you-mean match)
 * is an error: the step would otherwise run without what the user meant to set (a misspelt
 * cache_control, say, and then `delete: true` deletes). Anything else stays a warning:
 * Drone may pass global PLUGIN_* variables to every step.
 */
function unknownSettings(schema: PluginSchema, env: Env): { issues: SettingIssue[]; warnings: string[] } {
  const known = new Map<string, string>();
  for (const [key, spec] of Object.entries(schema.properties)) {
    known.set(pluginVariable(key), key);
    for (const alias of spec.aliases ?? []) known.set(pluginVariable(alias), alias);
  }
  const names = [...known.values()];
  const issues: SettingIssue[] = [];
  const warnings: string[] = [];
  for (const variable of Object.keys(env).sort()) {
    if (!variable.startsWith('PLUGIN_') || known.has(variable)) continue;
    const setting = variable.slice('PLUGIN_'.length).toLowerCase();
    const guess = closest(setting, names);
    if (guess === undefined) {
      warnings.push(`unknown setting "${setting}" (${variable}) is ignored`);
      continue;
    }
    if (!isTypo(setting, guess)) {
      // Further off (tags and vars, cluster_name and username): more likely another
      // plugin's setting passed to every step than a typo of ours.
      warnings.push(
        `unknown setting "${setting}" (${variable}) is ignored; did you mean "${guess}" (${pluginVariable(guess)})?`,
      );
      continue;
    }
    issues.push({
      setting,
      variable,
      problem: `is not a setting of ${schema.plugin}; did you mean "${guess}" (${pluginVariable(guess)})? Rename it to "${guess}" in .drone.yml, or remove it`,
    });
  }
  return { issues, warnings };
}

function topKey(path: string): { key: string; rest: string } {
  const parts = path.split('/').slice(1);
  const key = (parts[0] ?? '').replace(/~1/g, '/').replace(/~0/g, '~');
  const rest = parts
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `item ${Number(p) + 1}` : p))
    .join(', ');
  return { key, rest };
}

function describeError(e: ErrorObject, spec: JsonSchema | undefined): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return `expected ${String(p.type).replace(/,/g, ' or ')}`;
    case 'enum':
      return `expected one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${p.comparison} ${p.limit}`;
    case 'pattern':
    case 'format':
      return spec?.expected
        ? `expected ${spec.expected}`
        : `must match format "${String(p.format ?? p.pattern)}"`;
    case 'additionalProperties':
      return `unknown key "${String(p.additionalProperty)}"`;
    case 'required':
      return `missing key "${String(p.missingProperty)}"`;
    case 'anyOf':
    case 'oneOf':
      return spec?.expected ? `expected ${spec.expected}` : (e.message ?? 'is not valid');
    default:
      return e.message ?? 'is not valid';
  }
}

/** The schema node at an instance path below a setting (for `expected` hints on nested values). */
function specAt(spec: SettingSpec | undefined, path: string): JsonSchema | undefined {
  let node: JsonSchema | undefined = spec;
  for (const part of path.split('/').slice(2)) {
    if (!node) return undefined;
    node = /^\d+$/.test(part) ? node.items : node.properties?.[part];
  }
  return node;
}

function toIssues(
  errors: readonly ErrorObject[],
  schema: PluginSchema,
  raw: Map<string, RawSetting>,
): SettingIssue[] {
  // For anyOf/oneOf keep only the summary error, not one error per failed branch.
  const unions = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .map((e) => e.instancePath);
  const kept = errors.filter(
    (e) =>
      e.keyword === 'anyOf' || e.keyword === 'oneOf' || !unions.some((u) => e.instancePath.startsWith(u)),
  );
  const issues: SettingIssue[] = [];
  const seen = new Set<string>();
  for (const e of kept) {
    if (e.keyword === 'required' && e.instancePath === '') {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      const spec = schema.properties[key];
      const vars = spec ? variablesOf(key, spec).join(' or ') : pluginVariable(key);
      issues.push({
        setting: key,
        variable: vars,
        problem: `is required: ${spec?.description ?? ''}`.trim(),
      });
      continue;
    }
    const { key, rest } = topKey(e.instancePath);
    const spec = schema.properties[key];
    const r = raw.get(key);
    let problem = describeError(e, specAt(spec, e.instancePath));
    if (rest) problem = `${rest}: ${problem}`;
    if (r && !rest && ['type', 'enum', 'pattern', 'format', 'minimum', 'maximum'].includes(e.keyword)) {
      problem += `, got ${showValue(r.raw, spec?.secret === true)}`;
    }
    const id = `${key}\n${problem}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push({ setting: key, variable: r?.variable ?? pluginVariable(key), problem });
  }
  return issues;
}

/** Reads, decodes and validates a plugin's settings from the environment. */
export function loadSettings<T>(schema: PluginSchema, env: Env, opts: LoadOptions<T>): LoadedSettings<T> {
  const warnings: string[] = [];
  const raw = readRaw(schema, env, warnings);
  // Secrets are registered before anything can fail or be printed, as given (the masker
  // also registers the trimmed value, in every encoding).
  for (const [key, r] of raw) if (schema.properties[key]?.secret) opts.masker.add(r.given);

  const issues: SettingIssue[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, r] of raw) {
    const spec = schema.properties[key] as SettingSpec;
    const decoded = decodeSetting(r.raw, spec, spec.secret === true);
    if (decoded.ok) values[key] = decoded.value;
    else issues.push({ setting: key, variable: r.variable, problem: decoded.problem });
  }

  const validate = validatorFor(schema);
  if (!validate(values)) {
    const failed = new Set(issues.map((i) => i.setting));
    for (const issue of toIssues(validate.errors ?? [], schema, raw)) {
      if (!failed.has(issue.setting)) issues.push(issue);
    }
  }
  const sources: Record<string, string> = {};
  for (const [key, r] of raw) sources[key] = r.variable;
  if (opts.check) {
    // The checks see only what passed: a refused setting is left out (its default too).
    const invalid = new Set(issues.map((i) => i.setting).filter((key) => raw.has(key)));
    const passed = Object.fromEntries(Object.entries(values).filter(([key]) => !invalid.has(key)));
    const source = (setting: string) => sources[setting] ?? pluginVariable(setting);
    issues.push(...opts.check(passed as T, source, invalid));
  }
  const unknown = unknownSettings(schema, env);
  warnings.push(...unknown.warnings);
  // A misspelt name often explains the errors after it ("target" is required): it goes first.
  issues.unshift(...unknown.issues);
  if (issues.length > 0) throw new SettingsError(issues, warnings);
  return { settings: values as T, sources, warnings };
}
