// The mentions setting, turned into Slack's mention syntax. IDs are the reliable form; @names
// only work when Slack links names, so a message with @names is sent with link_names on.

export interface Mentions {
  text: string;
  needsLinkNames: boolean;
}

const SPECIAL = new Set(['here', 'channel', 'everyone']);

export function formatMentions(mentions: readonly string[]): Mentions {
  let needsLinkNames = false;
  const parts = mentions.map((m) => {
    if (m.startsWith('<')) return m;
    if (/^[UW][A-Z0-9]+$/.test(m)) return `<@${m}>`;
    if (/^S[A-Z0-9]+$/.test(m)) return `<!subteam^${m}>`;
    const name = m.replace(/^@/, '');
    if (SPECIAL.has(name)) return `<!${name}>`;
    needsLinkNames = true;
    return `@${name}`;
  });
  return { text: parts.join(' '), needsLinkNames };
}
