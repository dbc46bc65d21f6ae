// The shape of what slack-notify posts to an incoming webhook: Block Kit blocks inside a
// coloured attachment (default message), or drone-slack's attachment text (templates).

import type {
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  MessageAttachment,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from '@slack/types';
import type { IncomingWebhookSendArguments } from '@slack/webhook';

export type TextObject = MrkdwnElement | PlainTextElement;

/** A context block of text objects only (Block Kit's may hold images too). */
export interface TextContextBlock extends Omit<ContextBlock, 'elements'> {
  elements: TextObject[];
}

/** The Block Kit blocks this plugin writes, and fitToLimits knows. */
export type Block = SectionBlock | HeaderBlock | TextContextBlock | DividerBlock;

export interface Attachment extends Omit<MessageAttachment, 'blocks'> {
  blocks?: Block[];
}

/** What is posted: the message itself, without @slack/webhook's transport options. */
export interface SlackPayload
  extends Omit<IncomingWebhookSendArguments, 'blocks' | 'attachments' | 'agent' | 'retryConfig' | 'timeout'> {
  blocks?: Block[];
  attachments?: Attachment[];
}

export const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text });
export const plainText = (text: string): PlainTextElement => ({ type: 'plain_text', text, emoji: true });

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
