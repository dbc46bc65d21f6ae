// slack-notify's settings, read once and resolved into the one object the run uses: the
// schema's values, the checks beyond the schema (URLs, the timeout's range), durations in ms,
// the channel as Slack wants it, the template's text (read and parsed) and the deploy summary.
import { parseDuration } from '../../common/duration.ts';
import { type SettingIssue, SettingsError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { type Resolution, readResolvedSettings } from '../../common/plugin.ts';
import { pluginVariable, type SettingsOf } from '../../common/schema.ts';
import type { Env } from '../../common/settings.ts';
import type { DeploySummary } from '../../common/summary.ts';
import { channelOf } from './payload.ts';
import { schema } from './schema.ts';
import { findDeploySummary } from './summary-file.ts';
import { resolveTemplate } from './template-source.ts';

export type RawSettings = SettingsOf<typeof schema>;

export interface Settings
  extends Omit<RawSettings, 'channel' | 'template' | 'deploy_summary' | 'timeout' | 'cancel_grace'> {
  /** The channel as Slack wants it: a bare name gets its #. */
  channel?: string;
  /** The template's text (inline, or read from the file it names), known to parse. */
  template?: string;
  /** The deploy summary gke-deploy or rollback left, when there is one. */
  deploy: DeploySummary | undefined;
  timeoutMs: number;
  cancelGraceMs: number;
}

/** What the checks beyond the schema resolve; the template and the summary are read after. */
type Checked = Omit<Settings, 'template' | 'deploy'> & Pick<RawSettings, 'template' | 'deploy_summary'>;

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

/**
 * Checks beyond the schema. They run also when the schema refused something (so that every
 * problem is reported at once), and then see only the settings that passed: none is taken
 * to be present.
 */
function checkSettings(s: Partial<RawSettings>, source: (setting: string) => string): SettingIssue[] {
  const issues: SettingIssue[] = [];
  const issue = (setting: string, problem: string) =>
    issues.push({ setting, variable: source(setting), problem });
  const url = parseUrl(s.webhook);
  if (
    s.webhook !== undefined &&
    !(url?.protocol === 'https:' || (url?.protocol === 'http:' && LOOPBACK.test(url.hostname)))
  ) {
    issue('webhook', 'expected an https:// URL (http:// only for a local address such as 127.0.0.1)');
  }
  if (s.icon_url !== undefined && !/^https?:$/.test(parseUrl(s.icon_url)?.protocol ?? '')) {
    issue('icon_url', `expected an https:// URL, got ${JSON.stringify(s.icon_url)}`);
  }
  const ms = s.timeout !== undefined ? parseDuration(s.timeout) : undefined;
  if (ms !== undefined && (ms < 1000 || ms > 15 * 60_000)) {
    issue('timeout', `must be between 1s and 15m, got ${JSON.stringify(s.timeout)}`);
  }
  return issues;
}

function resolveChecked(
  raw: RawSettings,
  source: (setting: string) => string,
  invalid: ReadonlySet<string>,
): Resolution<Checked> {
  const issues = checkSettings(raw, source);
  if (issues.length > 0 || invalid.size > 0) return { issues };
  const { channel, timeout, cancel_grace, ...rest } = raw;
  const resolved: Checked = {
    ...rest,
    timeoutMs: parseDuration(timeout),
    cancelGraceMs: parseDuration(cancel_grace),
  };
  if (channel !== undefined) resolved.channel = channelOf(channel);
  return { resolved, issues };
}

function settingError(setting: string, problem: string): SettingsError {
  return new SettingsError([{ setting, variable: pluginVariable(setting), problem }]);
}

/** The template's text, from the setting or the file it names, once it is known to parse. */
async function readTemplate(value: string): Promise<string> {
  const source = resolveTemplate(value);
  if (!source.ok) throw settingError('template', source.problem);
  const { checkTemplate } = await import('./template.ts');
  const problem = await checkTemplate(source.text);
  if (problem) throw settingError('template', `does not parse: ${problem}`);
  return source.text;
}

/**
 * The settings, resolved (the webhook registered with the masker before anything is printed).
 * The template is read and parsed before anything else can fail later: a broken template is a
 * settings error (exit 1), whatever fail_on_error says. Throws SettingsError.
 */
export async function resolveSettings(env: Env, log: Logger): Promise<Settings> {
  const { template, deploy_summary, ...checked } = readResolvedSettings(schema, env, log, resolveChecked);
  const settings: Settings = { ...checked, deploy: undefined };
  if (template !== undefined) settings.template = await readTemplate(template);
  const found = findDeploySummary(deploy_summary, env.PLUGIN_DEPLOY_SUMMARY !== undefined, log);
  if (!found.ok) throw settingError('deploy_summary', found.problem);
  settings.deploy = found.summary;
  return settings;
}
