import assert from 'node:assert/strict';
import {
  code,
  codeBlock,
  ELLIPSIS,
  escapeText,
  link,
  truncateMrkdwn,
  truncatePlain,
  unescapeText,
} from '../../../../plugins/slack-notify/mrkdwn.ts';

describe('slack-notify mrkdwn', () => {
  it("escapes only & < > (drone-slack's handlebars also turned ' and \" into &apos; and &quot;)", () => {
    assert.equal(escapeText(`it's "<b>" & co`), `it's "&lt;b&gt;" &amp; co`);
    assert.equal(unescapeText(escapeText('a <&> b &amp;')), 'a <&> b &amp;');
  });

  it('builds links whose URL and label cannot break out of <url|label>', () => {
    assert.equal(link('https://x.test/a?b=1&c=2', 'a <b>'), '<https://x.test/a?b=1&amp;c=2|a &lt;b&gt;>');
    assert.equal(link('https://x.test/a|b', 'x|y'), '<https://x.test/a%7Cb|x¦y>');
    assert.equal(link('', 'no <url>'), 'no &lt;url&gt;');
  });

  it('keeps code spans and blocks closed whatever the value holds', () => {
    assert.equal(code('fix`it\nnow'), '`fixˋit now`');
    assert.equal(codeBlock('a ``` b'), '```a ˋˋˋ b```');
  });

  it('cuts plain text without splitting a surrogate pair', () => {
    assert.equal(truncatePlain('abc', 3), 'abc');
    assert.equal(truncatePlain('abcdef', 4), `abc${ELLIPSIS}`);
    const cut = truncatePlain('a😀😀😀', 4); // the second emoji would be split at index 3
    assert.equal(cut, `a😀${ELLIPSIS}`);
    assert.ok(cut.length <= 4);
  });

  it('cuts mrkdwn outside entities and links, and closes a code block it cut into', () => {
    const entity = truncateMrkdwn(`${'x'.repeat(10)}&amp;${'y'.repeat(20)}`, 15);
    assert.ok(entity.length <= 15, entity);
    assert.doesNotMatch(entity, /&(?!amp;)/);
    const inLink = truncateMrkdwn(`ab <https://example.test/very/long/path|label> tail`, 20);
    assert.equal(inLink, `ab ${ELLIPSIS}`);
    const fenced = truncateMrkdwn('```' + 'z'.repeat(100) + '```', 30);
    assert.ok(fenced.length <= 30 && fenced.endsWith('```') && fenced.startsWith('```'), fenced);
    const span = truncateMrkdwn('see `' + 'q'.repeat(100) + '`', 30);
    assert.equal((span.match(/`/g) ?? []).length % 2, 0, span);
    assert.equal(truncateMrkdwn('short', 30), 'short');
  });
});
