import assert from 'node:assert/strict';
import { fitToLimits, LIMITS } from '../../../../plugins/slack-notify/limits.ts';
import { escapeText } from '../../../../plugins/slack-notify/mrkdwn.ts';
import { type Block, mrkdwn, plainText } from '../../../../plugins/slack-notify/payload.ts';
import { assertWithinSlackLimits } from './slack-limits.ts';

describe('slack-notify limits', () => {
  it("keeps Slack's documented limits (3000 section text, 2000 field, 10 fields, 150 header, 50 blocks)", () => {
    assert.equal(LIMITS.sectionText, 3000);
    assert.equal(LIMITS.fieldText, 2000);
    assert.equal(LIMITS.sectionFields, 10);
    assert.equal(LIMITS.headerText, 150);
    assert.equal(LIMITS.blocks, 50);
    assert.equal(LIMITS.contextElements, 10);
  });

  it('fits an oversized payload: long texts cut, surplus fields, elements and blocks dropped with a note', () => {
    const raw = '&<>é😀'.repeat(5000);
    const huge = escapeText(raw);
    const blocks: Block[] = [
      { type: 'header', text: plainText(raw) },
      { type: 'section', text: mrkdwn(huge), fields: Array.from({ length: 14 }, () => mrkdwn(huge)) },
      { type: 'context', elements: Array.from({ length: 12 }, () => mrkdwn(huge)) },
      ...Array.from({ length: 60 }, (): Block => ({ type: 'divider' })),
    ];
    const before = { text: huge, attachments: [{ text: huge, fallback: huge, blocks }] };
    assert.throws(() => assertWithinSlackLimits(before));
    const fitted = fitToLimits(before);
    assertWithinSlackLimits(fitted);
    const fittedBlocks = fitted.attachments?.[0]?.blocks ?? [];
    assert.equal(fittedBlocks.length, 50);
    assert.deepEqual(fittedBlocks.at(-1), {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '…14 more blocks not shown' }],
    });
    const section = fittedBlocks[1] as { fields: { text: string }[] };
    assert.equal(section.fields.length, 10);
    assert.equal(section.fields[9]?.text, '…and 5 more');
    assert.ok((fitted.text ?? '').length <= LIMITS.messageText);
    assert.ok((fitted.attachments?.[0]?.fallback ?? '').length <= LIMITS.fallback);
    // The input is not changed.
    assert.equal(before.attachments[0]?.blocks.length, 63);
  });

  it('counts top-level and attachment blocks together', () => {
    const many = Array.from({ length: 45 }, (): Block => ({ type: 'divider' }));
    const fitted = fitToLimits({ blocks: many, attachments: [{ blocks: many }] });
    assert.equal((fitted.blocks?.length ?? 0) + (fitted.attachments?.[0]?.blocks?.length ?? 0), 50);
    assertWithinSlackLimits(fitted);
  });
});
