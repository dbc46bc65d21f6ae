// Secret masking. Every registered secret is replaced by *** wherever it appears: as is,
// base64-encoded, JSON-escaped, URL-encoded, and line by line for multi-line secrets
// (a PEM private key inside a service-account JSON key, for example).

export const MASK = '***';

/** Shorter values are not masked: masking "ab" would shred every log line. */
const MIN_LENGTH = 4;

/** Fields of a JSON credential whose values are secret on their own. */
const SECRET_JSON_FIELDS = new Set([
  'private_key',
  'private_key_id',
  'client_secret',
  'refresh_token',
  'access_token',
]);

/**
 * Base64 forms of `v`, also as it reads inside a longer encoded text (a kubeconfig or a
 * JSON blob encoded whole): at each of the three byte alignments, only the characters that
 * depend on `v` alone are kept.
 */
function base64Forms(v: string): string[] {
  const bytes = Buffer.from(v, 'utf8');
  const out = [
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('base64').replace(/=+$/, ''),
  ];
  if (bytes.length >= 12) {
    for (const offset of [0, 1, 2]) {
      const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
      const skip = [0, 2, 3][offset] as number;
      const usable = Math.floor((offset + bytes.length) / 3) * 4;
      const core = encoded.slice(skip, usable);
      out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return out;
}

function variantsOf(value: string): string[] {
  const out = new Set<string>();
  const add = (v: string) => {
    if (v.length >= MIN_LENGTH) out.add(v);
  };
  const forms = (v: string) => {
    add(v);
    for (const b64 of base64Forms(v)) add(b64);
    add(JSON.stringify(v).slice(1, -1));
    add(encodeURIComponent(v));
    // application/x-www-form-urlencoded writes spaces as '+'
    add(encodeURIComponent(v).replace(/%20/g, '+'));
  };
  forms(value);
  const trimmed = value.trim();
  if (trimmed !== value) forms(trimmed);
  if (/[\r\n]/.test(trimmed)) {
    for (const line of trimmed.split(/\r?\n/)) {
      const l = line.trim();
      // PEM armour lines ("-----BEGIN PRIVATE KEY-----") say nothing secret; keep them readable.
      if (l.length >= 8 && !/^-----[A-Z ]+-----$/.test(l)) forms(l);
    }
  }
  return [...out];
}

function secretFieldsOfJson(value: string): string[] {
  const text = value.trim();
  if (!text.startsWith('{')) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const found: string[] = [];
  const walk = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (typeof v === 'string' && SECRET_JSON_FIELDS.has(k)) found.push(v);
      else walk(v);
    }
  };
  walk(parsed);
  return found;
}

export class Masker {
  readonly #variants = new Set<string>();
  /** The variants as an array, for the per-line searches. */
  #list: string[] | undefined;

  /** Registers a secret (and every encoded form of it). Empty and very short values are ignored. */
  add(secret: string | undefined | null): void {
    if (typeof secret !== 'string' || secret.trim().length < MIN_LENGTH) return;
    const before = this.#variants.size;
    for (const v of variantsOf(secret)) this.#variants.add(v);
    for (const field of secretFieldsOfJson(secret)) for (const v of variantsOf(field)) this.#variants.add(v);
    if (this.#variants.size !== before) this.#list = undefined;
  }

  get size(): number {
    return this.#variants.size;
  }

  /** True when `text` holds any registered secret in any form. */
  contains(text: string): boolean {
    return this.#variantList().some((v) => text.includes(v));
  }

  // Plain substring search, not one alternation of every variant: a service-account key
  // has about 300 variants, and compiling that regular expression cost ~45 ms on the first
  // line every plugin printed; a search costs microseconds per line. Every occurrence of
  // every variant is found in the original text and overlapping ones are masked as one, so
  // no part of two overlapping secrets survives.
  mask(text: string): string {
    const found: [start: number, end: number][] = [];
    for (const v of this.#variantList()) {
      for (let i = text.indexOf(v); i !== -1; i = text.indexOf(v, i + 1)) found.push([i, i + v.length]);
    }
    if (found.length === 0) return text;
    found.sort((a, b) => a[0] - b[0]);
    let out = '';
    let at = 0;
    let [start, end] = found[0] as [number, number];
    for (const [s, e] of found) {
      if (s < end) end = Math.max(end, e);
      else {
        out += `${text.slice(at, start)}${MASK}`;
        at = end;
        [start, end] = [s, e];
      }
    }
    return `${out}${text.slice(at, start)}${MASK}${text.slice(end)}`;
  }

  #variantList(): string[] {
    this.#list ??= [...this.#variants];
    return this.#list;
  }
}
