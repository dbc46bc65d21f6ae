// Slack mrkdwn text from untrusted values: escaping, links, code spans, and cutting text to a
// length without breaking what Slack parses (an entity, a <link>, a surrogate pair, a code block).
// Slack needs exactly three characters escaped in text: & < > (not ' or ", which it would show
// as &apos; and &quot;, as drone-slack's handlebars escaping does).

export const ELLIPSIS = '…';

export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The text Slack shows for escaped mrkdwn (used where an escaped string must be re-encoded). */
export function unescapeText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A link <url|label>; the label is escaped, the URL keeps only what Slack's link syntax allows. */
export function link(url: string, label: string): string {
  if (!url) return escapeText(label);
  const safeUrl = escapeText(url).replace(/\|/g, '%7C');
  return `<${safeUrl}|${escapeText(label).replace(/\|/g, '¦')}>`;
}

/** An inline code span; a backtick inside the value would end it early, so it is replaced. */
export function code(value: string): string {
  return `\`${escapeText(value.replace(/`/g, 'ˋ').replace(/\r?\n/g, ' '))}\``;
}

/** A multi-line code block; a fence inside the value is broken up so it cannot end the block. */
export function codeBlock(value: string): string {
  return `\`\`\`${escapeText(value.replace(/```/g, 'ˋˋˋ'))}\`\`\``;
}

/** Cuts plain (unescaped) text to at most `max` UTF-16 units, marking the cut with an ellipsis. */
export function truncatePlain(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ELLIPSIS.length);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/**
 * Cuts mrkdwn to at most `max` UTF-16 units without splitting a surrogate pair, an entity
 * (&amp;), a <link|label> or <@mention>, and closes a code block or span it cut into.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  // Room for the ellipsis and a closing ``` at most.
  let end = Math.max(0, max - ELLIPSIS.length - 3);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  let kept = text.slice(0, end);
  const amp = kept.lastIndexOf('&');
  if (amp >= 0 && !kept.slice(amp).includes(';')) kept = kept.slice(0, amp);
  const open = kept.lastIndexOf('<');
  if (open >= 0 && !kept.slice(open).includes('>')) kept = kept.slice(0, open);
  const fences = kept.split('```').length - 1;
  if (fences % 2 === 1) return `${kept}${ELLIPSIS}\`\`\``;
  const ticks = kept.replace(/```/g, '').split('`').length - 1;
  if (ticks % 2 === 1) return `${kept}${ELLIPSIS}\``;
  return kept + ELLIPSIS;
}
