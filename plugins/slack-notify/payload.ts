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
