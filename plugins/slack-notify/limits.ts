// Slack's limits on a message, and the pass that makes any payload fit them: long text is cut
// (with an ellipsis, never inside an entity or a link), surplus fields and blocks are dropped
// with a note. Slack rejects a message that breaks a Block Kit limit (invalid_blocks), so every
// payload goes through fitToLimits() before it is sent.
// Sources: Slack's Block Kit reference (section, header, context blocks; text objects) and
// chat.postMessage's note on text length.
import { truncateMrkdwn, truncatePlain } from './mrkdwn.ts';
import { type Attachment, type Block, mrkdwn, type SlackPayload, type TextObject } from './payload.ts';

export const LIMITS = {
  /** Blocks in one message (counted over the message and its attachments together). */
  blocks: 50,
  /** text of a section block. */
  sectionText: 3000,
  /** fields of a section block, and the text of each. */
  sectionFields: 10,
  fieldText: 2000,
  /** plain_text of a header block. */
  headerText: 150,
  /** elements of a context block; each is a text object (3000). */
  contextElements: 10,
  contextText: 3000,
  /**
   * Top-level and attachment text: Slack truncates after 40,000 characters and recommends at
   * most 4,000; we keep to the recommendation, which also keeps the message readable.
   */
  messageText: 4000,
  /** Plain-text fallback shown in notifications. */
  fallback: 1000,
} as const;

function fitText<T extends TextObject>(t: T, max: number): T {
  if (t.text.length <= max) return t;
  const text = t.type === 'mrkdwn' ? truncateMrkdwn(t.text, max) : truncatePlain(t.text, max);
  return { ...t, text };
}

function fitBlock(block: Block): Block {
  switch (block.type) {
    case 'section': {
      const out: Block = { type: 'section' };
      if (block.text) out.text = fitText(block.text, LIMITS.sectionText);
      if (block.fields) {
        const fields = block.fields.map((f) => fitText(f, LIMITS.fieldText));
        if (fields.length > LIMITS.sectionFields) {
          const dropped = fields.length - LIMITS.sectionFields + 1;
          fields.splice(LIMITS.sectionFields - 1, Infinity, mrkdwn(`…and ${dropped} more`));
        }
        out.fields = fields;
      }
      return out;
    }
    case 'header':
      return { type: 'header', text: fitText({ ...block.text, type: 'plain_text' }, LIMITS.headerText) };
    case 'context': {
      const elements = block.elements.map((e) => fitText(e, LIMITS.contextText));
      if (elements.length > LIMITS.contextElements) {
        elements.splice(LIMITS.contextElements - 1, Infinity, mrkdwn('…'));
      }
      return { type: 'context', elements };
    }
    case 'divider':
      return block;
  }
}

function fitBlocks(blocks: readonly Block[], room: number): Block[] {
  const fitted = blocks.map(fitBlock);
  if (fitted.length <= room) return fitted;
  const dropped = fitted.length - room + 1;
  return [
    ...fitted.slice(0, room - 1),
    { type: 'context', elements: [mrkdwn(`…${dropped} more blocks not shown`)] },
  ];
}

/** A copy of `payload` that keeps to every limit above. */
export function fitToLimits(payload: SlackPayload): SlackPayload {
  const out: SlackPayload = { ...payload };
  let room = LIMITS.blocks;
  if (payload.text !== undefined) out.text = truncateMrkdwn(payload.text, LIMITS.messageText);
  if (payload.blocks) {
    out.blocks = fitBlocks(payload.blocks, room);
    room -= out.blocks.length;
  }
  if (payload.attachments) {
    out.attachments = payload.attachments.map((a): Attachment => {
      const fitted: Attachment = { ...a };
      if (a.text !== undefined) fitted.text = truncateMrkdwn(a.text, LIMITS.messageText);
      if (a.fallback !== undefined) fitted.fallback = truncatePlain(a.fallback, LIMITS.fallback);
      if (a.blocks && room <= 0) delete fitted.blocks;
      else if (a.blocks) {
        fitted.blocks = fitBlocks(a.blocks, room);
        room -= fitted.blocks.length;
      }
      return fitted;
    });
  }
  return out;
}
