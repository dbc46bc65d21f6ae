// Where a template comes from: the setting's text itself, or the file it names (as drone-slack
// reads `template: path/to/file.hbs`, and file:// URLs). Remote templates (http URLs, which
// drone-slack fetches) are refused: a notification step should not depend on another server.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type TemplateSource = { ok: true; text: string; file?: string } | { ok: false; problem: string };

const TEMPLATE_FILE = /\.(hbs|handlebars|tmpl|tpl|mustache|txt|md)$/i;

function readTemplateFile(path: string): TemplateSource {
  try {
    const st = statSync(path);
    if (!st.isFile()) return { ok: false, problem: `${JSON.stringify(path)} is not a file` };
    return { ok: true, text: readFileSync(path, 'utf8'), file: path };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
    return { ok: false, problem: `the template file ${JSON.stringify(path)} ${why}` };
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

export function resolveTemplate(value: string): TemplateSource {
  const text = value.trim();
  if (/^https?:\/\//i.test(text) && !/\s/.test(text)) {
    return {
      ok: false,
      problem:
        'remote templates are not supported: commit the template and give its path, or write it inline',
    };
  }
  if (/^file:\/\//i.test(text)) {
    try {
      return readTemplateFile(fileURLToPath(text));
    } catch {
      return { ok: false, problem: `${JSON.stringify(text)} is not a valid file URL` };
    }
  }
  const oneLine = !/[\r\n]/.test(text) && !text.includes('{{');
  if (oneLine && exists(text)) return readTemplateFile(text);
  if (oneLine && TEMPLATE_FILE.test(text)) return readTemplateFile(text);
  return { ok: true, text: value };
}
