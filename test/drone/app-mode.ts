// examples/.drone.yml shows Slack's app mode (a bot token: one message per deploy, updated,
// with a thread of details) as comments beside the webhook lines. The app-mode variant is that
// file with those comments taken at their word: the `announce` step uncommented, and in the
// deploy pipeline's notify step the webhook lines swapped for the commented token lines. The
// run deploys tag v2 with it, so the comments a user would uncomment are what is tested; a
// comment that no longer parses, or no longer matches the file around it, fails here.
import { parseAllDocuments } from 'yaml';

/** The variant's name in the workspace, beside .drone.yml. */
export const APP_PIPELINE_FILE = '.drone-app.yml';

/** Lines of `block` without their `# ` (after the indent). */
const uncomment = (lines: string[]) => lines.map((l) => l.replace(/^(\s*)# ?/, '$1'));

/** The index of the first line matching `re` at or after `from`; throws naming what is missing. */
function find(lines: string[], re: RegExp, from: number, what: string): number {
  const i = lines.findIndex((l, n) => n >= from && re.test(l));
  if (i < 0) throw new Error(`examples/.drone.yml: ${what} not found (${re}); the app-mode comments moved?`);
  return i;
}

export function appModePipeline(text: string): string {
  const lines = text.split('\n');
  // 1. The announce step: from `# - name: announce` to the blank line after it.
  const start = find(lines, /^\s*# - name: announce$/, 0, 'the commented announce step');
  const end = find(lines, /^\s*$/, start, 'the blank line after the announce step');
  lines.splice(start, end - start, ...uncomment(lines.slice(start, end)));
  // 2. The deploy pipeline's notify step: webhook out, the commented token lines in.
  const notify = find(lines, /^ {2}- name: notify$/, end, "the deploy pipeline's notify step");
  const hook = find(lines, /^ {6}webhook:$/, notify, "the notify step's webhook");
  find(lines, /^ {8}from_secret: slack_webhook$/, hook + 1, "the webhook's from_secret");
  const token = find(lines, /^ {6}# token:$/, hook, 'the commented token');
  let last = token;
  while (/^ {6}# {1,3}\S/.test(lines[last + 1] ?? '')) last++;
  const app = uncomment(lines.slice(token, last + 1));
  lines.splice(token, last + 1 - token);
  lines.splice(hook, 2, ...app);
  const out = lines.join('\n');
  for (const d of parseAllDocuments(out)) {
    if (d.errors.length > 0) throw new Error(`the app-mode variant does not parse: ${d.errors[0]?.message}`);
  }
  return out;
}
