// The shape of a plugin's settings schema: JSON Schema (validated by ajv) for each
// setting, plus a few keywords of ours that ajv treats as annotations.

export type JsonType = 'string' | 'boolean' | 'integer' | 'number' | 'array' | 'object' | 'null';

/** JSON Schema keywords used in settings schemas, loosely typed: ajv checks the schema itself. */
export interface JsonSchema {
  type?: JsonType | JsonType[];
  description?: string;
  default?: unknown;
  enum?: readonly unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  items?: JsonSchema;
  minItems?: number;
  minProperties?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: readonly JsonSchema[];
  oneOf?: readonly JsonSchema[];
  /** Ours: a human description of what is expected, used in error messages. */
  expected?: string;
}

/** One setting: a JSON Schema plus how it is read and documented. */
export interface SettingSpec extends JsonSchema {
  description: string;
  /** Ours: the value is secret: masked in all output, never shown in errors. */
  secret?: boolean;
  /** Ours: unprefixed environment variables also read (after PLUGIN_<NAME>), e.g. TOKEN. */
  env?: readonly string[];
  /** Ours: other setting names accepted for this one (PLUGIN_<ALIAS>), e.g. json_key for token. */
  aliases?: readonly string[];
  /** Ours: a short example value for the docs. */
  example?: string;
}

export interface PluginSchema {
  /** The plugin's name, e.g. gke-deploy. */
  plugin: string;
  description: string;
  properties: Record<string, SettingSpec>;
  required?: readonly string[];
}

/** The JSON types a setting accepts, looking through anyOf/oneOf. */
export function acceptedTypes(spec: JsonSchema): Set<JsonType> {
  const out = new Set<JsonType>();
  const t = spec.type;
  if (Array.isArray(t)) for (const x of t) out.add(x);
  else if (t) out.add(t);
  for (const sub of [...(spec.anyOf ?? []), ...(spec.oneOf ?? [])])
    for (const x of acceptedTypes(sub)) out.add(x);
  if (out.size === 0 && spec.enum)
    for (const v of spec.enum) out.add(typeof v === 'number' ? 'number' : 'string');
  return out;
}

/** PLUGIN_WAIT_SECONDS for wait_seconds. */
export function pluginVariable(setting: string): string {
  return `PLUGIN_${setting.toUpperCase()}`;
}

/** Every variable a setting may be read from, in order of precedence. */
export function variablesOf(key: string, spec: SettingSpec): string[] {
  return [pluginVariable(key), ...(spec.aliases ?? []).map(pluginVariable), ...(spec.env ?? [])];
}

/** The TypeScript type of a value that satisfies a (literal) JSON schema. */
export type ValueOf<S> = S extends { enum: readonly (infer E)[] }
  ? E
  : S extends { anyOf: readonly (infer A)[] }
    ? ValueOf<A>
    : S extends { type: readonly (infer T)[] }
      ? ValueOfType<T, S>
      : S extends { type: infer T }
        ? ValueOfType<T, S>
        : unknown;

type ValueOfType<T, S> = T extends 'string'
  ? string
  : T extends 'boolean'
    ? boolean
    : T extends 'integer' | 'number'
      ? number
      : T extends 'array'
        ? S extends { items: infer I }
          ? ValueOf<I>[]
          : string[]
        : T extends 'object'
          ? S extends { properties: infer P }
            ? { [K in keyof P]?: ValueOf<P[K]> }
            : S extends { additionalProperties: infer A }
              ? Record<string, ValueOf<A>>
              : Record<string, unknown>
          : unknown;

type WithDefault<P> = { [K in keyof P]: P[K] extends { default: unknown } ? K : never }[keyof P];
type Required<S> = S extends { required: readonly (infer R)[] } ? R : never;

/** The typed settings of a plugin schema: settings with a default or required are always present. */
export type SettingsOf<S extends { properties: Record<string, unknown> }> = {
  [K in keyof S['properties'] as K extends WithDefault<S['properties']> | Required<S> ? K : never]: ValueOf<
    S['properties'][K]
  >;
} & {
  [K in keyof S['properties'] as K extends WithDefault<S['properties']> | Required<S> ? never : K]?: ValueOf<
    S['properties'][K]
  >;
};
