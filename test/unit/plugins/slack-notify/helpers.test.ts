// drone-slack's helpers, against the cases of drone-template-lib's own Go tests
// (template/helpers_test.go) and Go's standard library behaviour.
import assert from 'node:assert/strict';
import { goDuration, goFormat } from '../../../../plugins/slack-notify/gotime.ts';
import {
  compileGoRegexp,
  queryEscape,
  regexReplace,
  truncate,
} from '../../../../plugins/slack-notify/helpers.ts';

describe('slack-notify template helpers', () => {
  it('duration prints as Go time.Duration (TestToDuration)', () => {
    const from = Date.UTC(2017, 10, 15, 23, 0, 0) / 1000;
    const cases: [number, string][] = [
      [Date.UTC(2018, 10, 15, 23, 0, 0) / 1000, '8760h0m0s'],
      [Date.UTC(2017, 10, 16, 23, 0, 0) / 1000, '24h0m0s'],
      [Date.UTC(2017, 10, 15, 23, 30, 0) / 1000, '30m0s'],
      [Date.UTC(2017, 10, 15, 23, 10, 15) / 1000, '10m15s'],
      [Date.UTC(2017, 9, 15, 23, 0, 0) / 1000, '-744h0m0s'],
    ];
    for (const [to, want] of cases) assert.equal(goDuration(to - from), want);
    assert.equal(goDuration(0), '0s');
    assert.equal(goDuration(59), '59s');
  });

  it('truncate counts runes, and a negative length keeps the end (TestTruncate, TestNegativeTruncate)', () => {
    const cases: [string, string, string][] = [
      ['foobarz', 'fooba', 'rz'],
      ['foöäüüu', 'foöäü', 'üu'],
      ['üpsßßßk', 'üpsßß', 'ßk'],
      ['1234567', '12345', '67'],
      ["!'§$%&/", "!'§$%", '&/'],
    ];
    for (const [input, five, negFive] of cases) {
      assert.equal(truncate(input, 5), five);
      assert.equal(truncate(input, -5), negFive);
    }
    assert.equal(truncate('😀😀😀', 2), '😀😀');
  });

  it('regexReplace expands as Go does (TestRegexReplace), with Go syntax', () => {
    assert.equal(regexReplace('(.*?)\\/(.*)', 'hello/my-String-123', '$1-$2'), 'hello-my-String-123');
    // Go reads $1x as a group named "1x": empty. ${1}x is group 1 then x.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${1} syntax, not a template string
    assert.equal(regexReplace('(a)', 'a', '$1x|${1}x|$$'), '|ax|$');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's ${name} syntax, not a template string
    assert.equal(regexReplace('(?P<word>b+)', 'abbc', '<${word}>'), 'a<bb>c');
    assert.equal(regexReplace('(?i)HELLO', 'say hello', 'bye'), 'say bye');
    assert.equal(regexReplace('x*', 'abc', '-'), '-a-b-c-');
    assert.throws(() => compileGoRegexp('(unclosed'), /regexReplace: invalid pattern "\(unclosed"/);
  });

  it('urlencode is Go url.QueryEscape', () => {
    assert.equal(queryEscape("a b/c?d=e&f'g(h)*~._-"), 'a+b%2Fc%3Fd%3De%26f%27g%28h%29%2A~._-');
    assert.equal(queryEscape('é'), '%C3%A9');
  });

  it('datetime formats with Go layouts, in a zone', () => {
    const t = 1546340400; // 2019-01-01 11:00:00 UTC
    assert.equal(goFormat(t, '2006-01-02 15:04:05', 'UTC'), '2019-01-01 11:00:00');
    assert.equal(goFormat(t, 'Mon Jan _2 15:04:05 MST 2006', 'UTC'), 'Tue Jan  1 11:00:00 UTC 2019');
    assert.equal(goFormat(t, '2006-01-02T15:04:05Z07:00', 'UTC'), '2019-01-01T11:00:00Z');
    assert.equal(goFormat(t, '2006-01-02T15:04:05Z07:00', 'Asia/Tokyo'), '2019-01-01T20:00:00+09:00');
    assert.equal(
      goFormat(t, 'Monday, January 2 3:04PM -0700', 'America/New_York'),
      'Tuesday, January 1 6:00AM -0500',
    );
    assert.equal(goFormat(t, '02/01/06 03:04 pm .000 .999 002', 'UTC'), '01/01/19 11:00 am .000  001');
    // "Jane" and "Month" are text, not month and weekday names.
    assert.equal(goFormat(t, 'Jane Month', 'UTC'), 'Jane Month');
  });
});
