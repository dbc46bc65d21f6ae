// drone-slack's template helpers (drone-template-lib), with the semantics of its Go code:
// strings count runes, durations and times print as Go prints them, regexReplace expands $1
// and ${name} as Go's regexp does. Arguments are converted as raymond converts them. Also
// raymond's `equal`, which handlebars.js lacks.
import { errorMessage, PluginError } from '../../common/errors.ts';
import { goDuration, goFormat, isKnownZone } from './gotime.ts';
import { unescapeText } from './mrkdwn.ts';

export interface HelperOptions {
  fn(context: unknown): string;
  inverse(context: unknown): string;
}

export type Helper = (this: unknown, ...args: unknown[]) => string;

/**
 * A helper refused its arguments (`truncate` given a non-number, a bad regexReplace pattern).
 * Only templates have helpers, so it stays here; renderTemplate reports it as a TemplateError
 * without the list of helpers, which a missing helper gets.
 */
export class HelperError extends PluginError {
  override readonly name = 'HelperError';
}

/** How raymond turns a value into a string: "" for nothing, numbers and booleans as written. */
function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  return String(v);
}

/** raymond's truthiness (Go's): empty strings, 0, false, nil and empty lists are false. */
function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v);
}

function int(v: unknown, helper: string, what: string): number {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n))
    throw new HelperError(`${helper}: ${what} must be a whole number, got ${JSON.stringify(str(v))}`);
  return n;
}

/** Splits the helper's arguments from handlebars' trailing options object. */
function split(args: unknown[]): { params: unknown[]; options: HelperOptions } {
  return { params: args.slice(0, -1), options: args[args.length - 1] as HelperOptions };
}

/** Applies `f` to each code point, keeping the original where the mapping is not one code point (Go's unicode.ToUpper). */
function mapRunes(s: string, f: (ch: string) => string): string {
  let out = '';
  for (const ch of s) {
    const m = f(ch);
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

/** url.QueryEscape: everything but A-Z a-z 0-9 - _ . ~ is %-encoded, spaces become +. */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Go's regexp syntax where it differs from JavaScript's: (?P<name>…), and leading (?flags). */
export function compileGoRegexp(pattern: string): RegExp {
  let source = pattern.replace(/\(\?P</g, '(?<');
  let flags = 'g';
  const lead = /^\(\?([imsU]+)\)/.exec(source);
  if (lead) {
    source = source.slice(lead[0].length);
    for (const f of lead[1] as string) if (f !== 'U' && !flags.includes(f)) flags += f;
  }
  try {
    return new RegExp(source, `${flags}u`);
  } catch {
    try {
      return new RegExp(source, flags);
    } catch (err) {
      throw new HelperError(`regexReplace: invalid pattern ${JSON.stringify(pattern)}: ${errorMessage(err)}`);
    }
  }
}

/** Go's Regexp.Expand: $1, ${1}, $name, ${name}, $$; a $name takes the longest [A-Za-z0-9_] run. */
function expand(template: string, match: RegExpExecArray): string {
  return template.replace(
    /\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g,
    (whole, dollar: string, braced?: string, bare?: string) => {
      if (dollar === '$') return '$';
      const name = braced ?? bare;
      if (name === undefined) return whole;
      if (/^\d+$/.test(name)) return match[Number(name)] ?? '';
      return match.groups?.[name] ?? '';
    },
  );
}

export function regexReplace(pattern: string, input: string, replacement: string): string {
  const re = compileGoRegexp(pattern);
  let out = '';
  let last = 0;
  for (let m = re.exec(input); m; m = re.exec(input)) {
    out += input.slice(last, m.index) + expand(replacement, m);
    last = m.index + m[0].length;
    if (m[0].length === 0) {
      // An empty match: step over one code point, as Go does.
      const cp = input.codePointAt(re.lastIndex);
      re.lastIndex += cp !== undefined && cp > 0xffff ? 2 : 1;
      if (re.lastIndex > input.length) break;
    }
  }
  return out + input.slice(last);
}

export function truncate(s: string, n: number): string {
  const runes = [...s];
  if (runes.length <= Math.abs(n)) return s;
  // A negative length keeps the end, as later drone-template-lib versions do.
  return n < 0 ? runes.slice(-n).join('') : runes.slice(0, n).join('');
}

export interface HelperDeps {
  now: () => number;
}

export function createHelpers(deps: HelperDeps): Record<string, Helper> {
  return {
    success(...args) {
      const { params, options } = split(args);
      const v = params[0];
      return truthy(v) && str(v) === 'success' ? options.fn(this) : options.inverse(this);
    },
    failure(...args) {
      const { params, options } = split(args);
      const v = params[0];
      return truthy(v) && ['failure', 'error', 'killed'].includes(str(v))
        ? options.fn(this)
        : options.inverse(this);
    },
    truncate(...args) {
      const { params } = split(args);
      return truncate(str(params[0]), int(params[1], 'truncate', 'the length'));
    },
    urlencode(...args) {
      const { options } = split(args);
      // The block's content is already escaped for Slack; encode the text it stands for.
      return queryEscape(unescapeText(options.fn(this)));
    },
    since(...args) {
      const { params } = split(args);
      const start = int(params[0] ?? 0, 'since', 'the start time');
      return goDuration(Math.floor(deps.now() / 1000) - start);
    },
    duration(...args) {
      const { params } = split(args);
      const started = int(params[0] ?? 0, 'duration', 'the start time');
      const finished = int(params[1] ?? 0, 'duration', 'the end time');
      return goDuration(finished - started);
    },
    datetime(...args) {
      const { params } = split(args);
      const ts = int(params[0] ?? 0, 'datetime', 'the timestamp');
      const layout = params.length > 1 ? str(params[1]) : '2006-01-02T15:04:05Z07:00';
      const zone = str(params[2]);
      // Go falls back to the local zone for a zone it cannot load.
      return goFormat(ts, layout, zone === '' || isKnownZone(zone) ? zone : '');
    },
    uppercasefirst(...args) {
      const { params } = split(args);
      const s = str(params[0]);
      const first = s.codePointAt(0);
      if (first === undefined) return '';
      const ch = String.fromCodePoint(first);
      return mapRunes(ch, (c) => c.toUpperCase()) + s.slice(ch.length);
    },
    uppercase(...args) {
      return mapRunes(str(split(args).params[0]), (c) => c.toUpperCase());
    },
    lowercase(...args) {
      return mapRunes(str(split(args).params[0]), (c) => c.toLowerCase());
    },
    // raymond's own block helper (drone-slack templates use it): the block when both print alike.
    equal(...args) {
      const { params, options } = split(args);
      return str(params[0]) === str(params[1]) ? options.fn(this) : '';
    },
    regexReplace(...args) {
      const { params } = split(args);
      return regexReplace(str(params[0]), str(params[1]), str(params[2]));
    },
  };
}
