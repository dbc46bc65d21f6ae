// drone-slack templates, rendered with handlebars (drone-slack uses raymond, a Go port of
// handlebars with the same syntax). One deliberate difference: values are escaped for Slack
// (& < > only) instead of for HTML, so "it's" does not arrive as "it&apos;s".
import type HandlebarsNS from 'handlebars';
import { errorMessage, PluginError } from '../../common/errors.ts';
import { createHelpers, type HelperDeps, HelperError } from './helpers.ts';
import { escapeText } from './mrkdwn.ts';
import type { TemplateData } from './template-data.ts';

type Handlebars = typeof HandlebarsNS;

export class TemplateError extends PluginError {
  override readonly name = 'TemplateError';
}

/** Handlebars' escapeExpression, with Slack's escaping in place of HTML's. */
function escapeForSlack(value: unknown): string {
  if (typeof value === 'string') return escapeText(value);
  if (value && typeof (value as { toHTML?: unknown }).toHTML === 'function') {
    return (value as { toHTML(): string }).toHTML();
  }
  if (value === undefined || value === null) return '';
  return escapeText(String(value));
}

let loaded: Promise<Handlebars> | undefined;

/** handlebars is only loaded when a template is set: the default message does not need it. */
function loadHandlebars(): Promise<Handlebars> {
  loaded ??= import('handlebars').then((m) => ((m as { default?: Handlebars }).default ?? m) as Handlebars);
  return loaded;
}

/** Why a template cannot be compiled, or undefined when it can (for the settings check). */
export async function checkTemplate(source: string): Promise<string | undefined> {
  const hb = await loadHandlebars();
  try {
    hb.parse(source);
    return undefined;
  } catch (err) {
    return firstLine(errorMessage(err));
  }
}

function firstLine(message: string): string {
  return message.split('\n').filter((l) => l.trim() !== '')[0] ?? message;
}

/**
 * Renders `source` with drone-slack's variables and helpers, then trims spaces and newlines
 * at both ends as drone-slack's RenderTrim does.
 */
export async function renderTemplate(source: string, data: TemplateData, deps: HelperDeps): Promise<string> {
  const hb = await loadHandlebars();
  const env = hb.create();
  for (const [name, helper] of Object.entries(createHelpers(deps))) env.registerHelper(name, helper);
  // Compiled templates take escapeExpression from handlebars' shared Utils when they are first
  // run; swap it in for that moment only.
  const utils = hb.Utils as unknown as { escapeExpression: (v: unknown) => string };
  const original = utils.escapeExpression;
  utils.escapeExpression = escapeForSlack;
  try {
    const render = env.compile(source, { noEscape: false });
    return render(data).replace(/^[ \n]+|[ \n]+$/g, '');
  } catch (err) {
    const msg = firstLine(errorMessage(err));
    const hint = /Missing helper/.test(msg)
      ? " (the helpers are drone-slack's: success, failure, duration, datetime, truncate, urlencode, since, uppercasefirst, uppercase, lowercase, regexReplace, and handlebars' own)"
      : '';
    if (err instanceof HelperError) throw new TemplateError(`template: ${msg}`);
    throw new TemplateError(`template: ${msg}${hint}`);
  } finally {
    utils.escapeExpression = original;
  }
}
