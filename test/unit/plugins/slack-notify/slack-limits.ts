// An independent check of Slack's message limits, written from Slack's Block Kit reference
// rather than from the plugin's limits.ts, so a wrong constant there cannot hide itself.
import assert from 'node:assert/strict';

interface TextLike {
  type?: string;
  text?: string;
}

function checkText(t: TextLike | undefined, max: number, where: string, problems: string[]): void {
  if (!t) return;
  if (typeof t.text !== 'string') problems.push(`${where}: text is not a string`);
  else if (t.text.length > max) problems.push(`${where}: ${t.text.length} > ${max} characters`);
  else if (t.text.length === 0) problems.push(`${where}: empty text`);
  if (t.text && /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(t.text))
    problems.push(`${where}: a split surrogate pair`);
  if (t.type === 'mrkdwn' && t.text) {
    // Every & starts an entity Slack knows; nothing user-written opens an unclosed <.
    const badAmp = /&(?!amp;|lt;|gt;)/.exec(t.text);
    if (badAmp) problems.push(`${where}: a bare & at ${badAmp.index}`);
    const unquoted = t.text.replace(/^>/gm, '');
    const opens = (unquoted.match(/</g) ?? []).length;
    const closes = (unquoted.match(/>/g) ?? []).length;
    if (opens !== closes) problems.push(`${where}: unbalanced < > (${opens} vs ${closes})`);
  }
}

/** Every Block Kit and message limit the plugin promises to keep; throws listing what breaks. */
export function assertWithinSlackLimits(payload: unknown): void {
  const problems: string[] = [];
  const p = payload as {
    text?: string;
    blocks?: unknown[];
    attachments?: { text?: string; fallback?: string; blocks?: unknown[] }[];
  };
  if (p.text !== undefined) checkText({ type: 'mrkdwn', text: p.text }, 40_000, 'text', problems);
  const all: unknown[] = [...(p.blocks ?? [])];
  for (const [i, a] of (p.attachments ?? []).entries()) {
    if (a.text !== undefined)
      checkText({ type: 'mrkdwn', text: a.text }, 40_000, `attachment ${i} text`, problems);
    all.push(...(a.blocks ?? []));
  }
  if (all.length > 50) problems.push(`${all.length} blocks > 50`);
  for (const [i, raw] of all.entries()) {
    const b = raw as { type: string; text?: TextLike; fields?: TextLike[]; elements?: TextLike[] };
    const where = `block ${i} (${b.type})`;
    if (b.type === 'section') {
      if (!b.text && !b.fields) problems.push(`${where}: neither text nor fields`);
      checkText(b.text, 3000, where, problems);
      if (b.fields && b.fields.length > 10) problems.push(`${where}: ${b.fields.length} fields > 10`);
      if (b.fields && b.fields.length === 0) problems.push(`${where}: empty fields`);
      for (const [j, f] of (b.fields ?? []).entries()) checkText(f, 2000, `${where} field ${j}`, problems);
    } else if (b.type === 'header') {
      if (b.text?.type !== 'plain_text') problems.push(`${where}: header text must be plain_text`);
      checkText(b.text, 150, where, problems);
    } else if (b.type === 'context') {
      if (!b.elements || b.elements.length === 0 || b.elements.length > 10)
        problems.push(`${where}: ${b.elements?.length ?? 0} elements (1 to 10)`);
      for (const [j, e] of (b.elements ?? []).entries())
        checkText(e, 3000, `${where} element ${j}`, problems);
    } else if (b.type !== 'divider') {
      problems.push(`${where}: unexpected block type`);
    }
  }
  assert.deepEqual(problems, [], `payload breaks Slack's limits:\n  ${problems.join('\n  ')}`);
}
