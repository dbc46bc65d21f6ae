// Checks beyond the schema. They run also when the schema refused something (so that every
// problem is reported at once), and then see only the settings that passed: none is taken
// to be present.
import { parseDuration } from '../../common/duration.ts';
import type { SettingIssue } from '../../common/errors.ts';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;

interface Checked {
  webhook?: string;
  icon_url?: string;
  timeout?: string;
}

/** The URL, or undefined when the WHATWG parser refuses what the schema's pattern let through. */
function parseUrl(text: string | undefined): URL | undefined {
  if (text === undefined) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

export function checkSettings(s: Checked, source: (setting: string) => string): SettingIssue[] {
  const issues: SettingIssue[] = [];
  const url = parseUrl(s.webhook);
  if (
    s.webhook !== undefined &&
    !(url?.protocol === 'https:' || (url?.protocol === 'http:' && LOOPBACK.test(url.hostname)))
  ) {
    issues.push({
      setting: 'webhook',
      variable: source('webhook'),
      problem: 'expected an https:// URL (http:// only for a local address such as 127.0.0.1)',
    });
  }
  if (s.icon_url !== undefined && !/^https?:$/.test(parseUrl(s.icon_url)?.protocol ?? '')) {
    issues.push({
      setting: 'icon_url',
      variable: source('icon_url'),
      problem: `expected an https:// URL, got ${JSON.stringify(s.icon_url)}`,
    });
  }
  const ms = s.timeout !== undefined ? parseDuration(s.timeout) : undefined;
  if (ms !== undefined && (ms < 1000 || ms > 15 * 60_000)) {
    issues.push({
      setting: 'timeout',
      variable: source('timeout'),
      problem: `must be between 1s and 15m, got ${JSON.stringify(s.timeout)}`,
    });
  }
  return issues;
}
