// Turns the strings Drone writes into PLUGIN_* variables back into typed values.
// Drone encodes settings as: strings as is; booleans as true/false; numbers as digits;
// lists of scalars comma-joined; lists of objects, and objects, as JSON. An item that
// contains a comma therefore only survives in JSON array form, which we also accept.
import { errorMessage } from './errors.ts';
import { acceptedTypes, type JsonSchema } from './schema.ts';

export type Decoded = { ok: true; value: unknown } | { ok: false; problem: string };

const INTEGER = /^[-+]?\d+$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const BOOLEAN = /^(true|false)$/i;

/** How a raw value is quoted in an error: never for secrets, and shortened. */
export function showValue(raw: string, secret: boolean): string {
  if (secret) return '(a secret value, not shown)';
  const short = raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
  return JSON.stringify(short);
}

function parseJson(raw: string, secret: boolean): Decoded {
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch (err) {
    // JSON.parse's message quotes the input: never pass it on for a secret.
    const why = secret ? '' : `: ${errorMessage(err)}`;
    return { ok: false, problem: `is not valid JSON${why}` };
  }
}

function decodeScalar(raw: string, types: Set<string>): Decoded | undefined {
  if (types.has('boolean') && BOOLEAN.test(raw)) return { ok: true, value: raw.toLowerCase() === 'true' };
  if (types.has('integer') && INTEGER.test(raw.trim())) return { ok: true, value: Number(raw.trim()) };
  if (types.has('number') && NUMBER.test(raw.trim())) return { ok: true, value: Number(raw.trim()) };
  if (types.has('string')) return { ok: true, value: raw };
  return undefined;
}

function describeTypes(types: Set<string>): string {
  const names: Record<string, string> = {
    boolean: 'true or false',
    integer: 'a whole number',
    number: 'a number',
    string: 'a string',
    array: 'a list',
    object: 'a JSON object',
  };
  return [...types].map((t) => names[t] ?? t).join(' or ');
}

/** Decodes one raw PLUGIN_* value according to the setting's schema. */
export function decodeSetting(raw: string, spec: JsonSchema, secret: boolean): Decoded {
  const types = acceptedTypes(spec);
  const text = raw.trim();
  if (types.has('object') && text.startsWith('{')) {
    const r = parseJson(text, secret);
    if (r.ok && (r.value === null || typeof r.value !== 'object' || Array.isArray(r.value))) {
      return { ok: false, problem: 'expected a JSON object' };
    }
    return r;
  }
  if (types.has('array') && text.startsWith('[')) {
    const r = parseJson(text, secret);
    if (r.ok && !Array.isArray(r.value)) return { ok: false, problem: 'expected a JSON array' };
    return r;
  }
  // A setting that takes a string or a list reads a non-JSON value as the string.
  if (types.has('array') && !types.has('string')) {
    const itemTypes = spec.items ? acceptedTypes(spec.items) : new Set(['string']);
    const items: unknown[] = [];
    for (const part of raw.split(',')) {
      const item = part.trim();
      if (item === '') continue;
      const d = decodeScalar(item, itemTypes);
      if (!d) {
        return {
          ok: false,
          problem: `list item ${showValue(item, secret)} is not ${describeTypes(itemTypes)} (write the list as a JSON array for items that are objects or contain commas)`,
        };
      }
      if (!d.ok) return d;
      items.push(d.value);
    }
    return { ok: true, value: items };
  }
  const scalar = decodeScalar(raw, types);
  if (scalar) return scalar;
  return { ok: false, problem: `expected ${describeTypes(types)}, got ${showValue(raw, secret)}` };
}
