// drone-gke's templates are Go text/template with missingkey=error. We render the part of
// that language that deploy manifests use — {{.VAR}}, {{ .a.b }}, trim markers {{- -}} and
// comments — and refuse anything else with the file and line, rather than guess.
import { PluginError } from '../../common/errors.ts';

export class TemplateError extends PluginError {
  override readonly name = 'TemplateError';
}

const VAR = /^\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/;

/** The 1-based line of `offset` in `text` (an offset past the end counts to the end). */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function lookup(data: Record<string, unknown>, path: string): { found: boolean; value?: unknown } {
  let node: unknown = data;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) return { found: false };
    node = (node as Record<string, unknown>)[part];
  }
  return { found: true, value: node };
}

/**
 * Renders `text` (from `file`); throws TemplateError naming file:line on any problem. `fix`
 * tells the reader where a missing variable is set.
 */
export function renderTemplate(
  text: string,
  data: Record<string, unknown>,
  file: string,
  fix = 'set it in "vars"',
): string {
  let out = '';
  let pos = 0;
  for (;;) {
    const open = text.indexOf('{{', pos);
    if (open < 0) {
      out += text.slice(pos);
      return out;
    }
    const close = text.indexOf('}}', open + 2);
    const line = lineAt(text, open);
    if (close < 0) throw new TemplateError(`${file}:${line}: "{{" is never closed with "}}"`);
    let inner = text.slice(open + 2, close);
    let literal = text.slice(pos, open);
    if (inner.startsWith('-') && /^-\s/.test(inner)) {
      literal = literal.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    let after = close + 2;
    if (/\s-$/.test(inner)) {
      inner = inner.slice(0, -1);
      while (after < text.length && /\s/.test(text[after] as string)) after++;
    }
    out += literal;
    const action = inner.trim();
    if (action.startsWith('/*') && action.endsWith('*/')) {
      // a comment
    } else {
      const m = VAR.exec(action);
      if (!m) {
        throw new TemplateError(
          `${file}:${line}: unsupported template action "{{${inner}}}": only variables such as {{.COMMIT}} or {{.app}} are supported`,
        );
      }
      const path = m[1] as string;
      const { found, value } = lookup(data, path);
      if (!found || value === undefined || value === null) {
        const known = Object.keys(data).sort().join(', ');
        throw new TemplateError(
          `${file}:${line}: variable ".${path}" is not defined; ${fix} (defined: ${known})`,
        );
      }
      out += show(value);
    }
    pos = after;
  }
}
