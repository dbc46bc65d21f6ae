import assert from 'node:assert/strict';
import { formatMentions } from '../../../../plugins/slack-notify/mentions.ts';

describe('slack-notify mentions', () => {
  it('turns IDs, groups and @here into Slack mention syntax', () => {
    assert.deepEqual(formatMentions(['U012ABCDEF', 'S0GROUP1', '@here', '<!channel>', 'W123']), {
      text: '<@U012ABCDEF> <!subteam^S0GROUP1> <!here> <!channel> <@W123>',
      needsLinkNames: false,
    });
  });

  it('keeps @names, which need link_names', () => {
    assert.deepEqual(formatMentions(['@oncall']), { text: '@oncall', needsLinkNames: true });
    assert.deepEqual(formatMentions([]), { text: '', needsLinkNames: false });
  });
});
