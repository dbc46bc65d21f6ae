// The ajv validator of a settings schema. From source (tests, tsx) it is compiled at first
// use; the bundles replace this module with the same validator generated at build time by
// ajv's standalone code (scripts/bundle.ts), so a plugin run does not load ajv's code
// generator or compile anything at start-up.
import { Ajv, type ValidateFunction } from 'ajv';
import type { JsonSchema, PluginSchema } from './schema.ts';

const OUR_KEYWORDS = ['secret', 'env', 'aliases', 'example', 'expected'] as const;

/** What format: 'duration' means; also accepted as plain seconds. */
export const DURATION_PATTERN = '^(?:(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d))+|\\d+)$';
const URI_PATTERN = '^[A-Za-z][A-Za-z0-9+.-]*://\\S+$';

/**
 * The schema as ajv sees it: our formats become patterns (standalone code cannot carry
 * format functions without extra modules, and a pattern says the same).
 */
export function ajvSchemaOf(schema: PluginSchema): Record<string, unknown> {
  const map = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(map);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node as JsonSchema)) {
      if (k === 'format' && v === 'duration') out.pattern = DURATION_PATTERN;
      else if (k === 'format' && v === 'uri') out.pattern = URI_PATTERN;
      else out[k] = map(v);
    }
    return out;
  };
  return {
    type: 'object',
    properties: map(schema.properties),
    required: [...(schema.required ?? [])],
    additionalProperties: false,
  };
}

export function createAjv(opts: { standalone?: boolean } = {}): Ajv {
  // allErrors to report everything at once; never `verbose`, which copies values (secrets) into errors.
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    strict: true,
    allowUnionTypes: true,
    ...(opts.standalone ? { code: { source: true, esm: true } } : {}),
  });
  for (const keyword of OUR_KEYWORDS) ajv.addKeyword({ keyword });
  return ajv;
}

export function compileValidator(schema: PluginSchema): ValidateFunction {
  return createAjv().compile(ajvSchemaOf(schema));
}
