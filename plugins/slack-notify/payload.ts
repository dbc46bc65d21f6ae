// The shape of what slack-notify posts to an incoming webhook: Block Kit blocks inside a
// coloured attachment (default message), or drone-slack's attachment text (templates).

export interface TextObject {
  type: 'mrkdwn' | 'plain_text';
  text: string;
  emoji?: boolean;
}

export type Block =
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'header'; text: TextObject }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

export interface Attachment {
  color?: string;
  fallback?: string;
  text?: string;
  mrkdwn_in?: ('text' | 'pretext' | 'fields')[];
  blocks?: Block[];
}

export interface SlackPayload {
  text?: string;
  blocks?: Block[];
  attachments?: Attachment[];
  channel?: string;
  username?: string;
  icon_url?: string;
  icon_emoji?: string;
  link_names?: boolean;
  unfurl_links?: boolean;
  unfurl_media?: boolean;
}

export const mrkdwn = (text: string): TextObject => ({ type: 'mrkdwn', text });
export const plainText = (text: string): TextObject => ({ type: 'plain_text', text, emoji: true });

/** drone-slack's channel handling: a bare name gets a #; @user and IDs are kept. */
export function channelOf(channel: string): string {
  if (/^[#@]/.test(channel) || /^[CGD][A-Z0-9]{8,}$/.test(channel)) return channel;
  return `#${channel}`;
}

/** A copy of `value` with every string masked (the message must not carry a secret either). */
export function maskStrings<T>(value: T, mask: (s: string) => string): T {
  if (typeof value === 'string') return mask(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskStrings(v, mask)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskStrings(v, mask)])) as T;
  }
  return value;
}
