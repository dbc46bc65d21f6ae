// The checks on slack-notify's settings beyond the schema: the URLs, the timeout's range, and
// which settings go together (a webhook or a token, not both; the app-mode settings need the
// token; the token needs a channel). They run also when the schema refused something (so that
// every problem is reported at once), and then see only the settings that passed.
import { parseDuration } from '../../common/duration.ts';
import type { SettingIssue } from '../../common/errors.ts';
import { variablesOf } from '../../common/schema.ts';
import { schema } from './schema.ts';
import type { RawSettings } from './settings.ts';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;

/** The URL, or undefined when the WHATWG parser refuses what the schema's pattern let through. */
function parseUrl(text: string | undefined): URL | undefined {
  if (text === undefined) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function isHttpsOrLocal(text: string): boolean {
  const url = parseUrl(text);
  return url?.protocol === 'https:' || (url?.protocol === 'http:' && LOOPBACK.test(url.hostname));
}

const HTTPS_ONLY = 'expected an https:// URL (http:// only for a local address such as 127.0.0.1)';

type Issue = (setting: string, problem: string) => void;

function checkUrls(s: Partial<RawSettings>, issue: Issue): void {
  if (s.webhook !== undefined && !isHttpsOrLocal(s.webhook)) issue('webhook', HTTPS_ONLY);
  if (s.api_url !== undefined && !isHttpsOrLocal(s.api_url)) issue('api_url', HTTPS_ONLY);
  if (s.icon_url !== undefined && !/^https?:$/.test(parseUrl(s.icon_url)?.protocol ?? '')) {
    issue('icon_url', `expected an https:// URL, got ${JSON.stringify(s.icon_url)}`);
  }
}

/** A webhook or a token, not both; what only the app mode can do needs the token. */
function checkMode(s: Partial<RawSettings>, issue: Issue, invalid: ReadonlySet<string>): void {
  const webhook = s.webhook !== undefined || invalid.has('webhook');
  const token = s.token !== undefined || invalid.has('token');
  if (!webhook && !token) {
    issue(
      'webhook',
      "is required: set webhook (an incoming-webhook URL), or token (a Slack app's bot token) for the app mode",
    );
  }
  // Both given and valid: a refused one is reported on its own.
  if (s.webhook !== undefined && s.token !== undefined) {
    issue('token', 'set either token (the Slack app) or webhook (an incoming webhook), not both');
  }
  if (!token) {
    const appOnly = [
      s.phase === 'start' ? 'phase: start' : '',
      s.thread ? 'thread' : '',
      s.mention_author ? 'mention_author' : '',
    ].filter(Boolean);
    for (const what of appOnly) {
      const setting = what.split(':')[0] as string;
      issue(setting, `${what} needs token (a Slack app): an incoming webhook can only post new messages`);
    }
  } else if (s.token !== undefined && s.channel === undefined && !invalid.has('channel')) {
    issue(
      'channel',
      'is required with token: the channel to post to, such as #deploys or an ID like C0123456789',
    );
  }
}

export function checkSettings(
  s: Partial<RawSettings>,
  source: (setting: string) => string,
  invalid: ReadonlySet<string>,
): SettingIssue[] {
  const issues: SettingIssue[] = [];
  const issue: Issue = (setting, problem) => {
    // A setting that is missing altogether is named by every variable it may be read from.
    const spec = schema.properties[setting as keyof typeof schema.properties];
    const given = (s as Record<string, unknown>)[setting] !== undefined || invalid.has(setting);
    const variable = given || !spec ? source(setting) : variablesOf(setting, spec).join(' or ');
    issues.push({ setting, variable, problem });
  };
  checkUrls(s, issue);
  checkMode(s, issue, invalid);
  const ms = s.timeout !== undefined ? parseDuration(s.timeout) : undefined;
  if (ms !== undefined && (ms < 1000 || ms > 15 * 60_000)) {
    issue('timeout', `must be between 1s and 15m, got ${JSON.stringify(s.timeout)}`);
  }
  return issues;
}
