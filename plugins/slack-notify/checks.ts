// Checks across and beyond the schema, run once the schema has passed.
import { parseDuration } from '../../common/duration.ts';
import type { SettingIssue } from '../../common/errors.ts';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;

interface Checked {
  webhook: string;
  icon_url?: string;
  timeout: string;
}

export function checkSettings(s: Checked, source: (setting: string) => string): SettingIssue[] {
  const issues: SettingIssue[] = [];
  const url = new URL(s.webhook);
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.test(url.hostname)))) {
    issues.push({
      setting: 'webhook',
      variable: source('webhook'),
      problem: 'expected an https:// URL (http:// only for a local address such as 127.0.0.1)',
    });
  }
  if (s.icon_url !== undefined && !/^https?:$/.test(new URL(s.icon_url).protocol)) {
    issues.push({ setting: 'icon_url', variable: source('icon_url'), problem: 'expected an https:// URL' });
  }
  const ms = parseDuration(s.timeout);
  if (ms < 1000 || ms > 15 * 60_000) {
    issues.push({
      setting: 'timeout',
      variable: source('timeout'),
      problem: `must be between 1s and 15m, got ${JSON.stringify(s.timeout)}`,
    });
  }
  return issues;
}
