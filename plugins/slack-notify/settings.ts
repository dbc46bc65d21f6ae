// slack-notify's settings, read once and resolved into the one object the run uses: the
// schema's values, the checks beyond the schema (settings-checks.ts), durations in ms,
// the channel as Slack wants it, the template's text (read and parsed) and the deploy summary.
import { parseDuration } from '../../common/duration.ts';
import { SettingsError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { type Resolution, readResolvedSettings } from '../../common/plugin.ts';
import { pluginVariable, type SettingsOf } from '../../common/schema.ts';
import type { Env } from '../../common/settings.ts';
import type { DeploySummary } from '../../common/summary.ts';
import { channelOf } from './payload.ts';
import { schema } from './schema.ts';
import { checkSettings } from './settings-checks.ts';
import { findDeploySummary } from './summary-file.ts';
import { resolveTemplate } from './template-source.ts';

export type RawSettings = SettingsOf<typeof schema>;

/** Where the message goes: an incoming webhook, or the Web API with a Slack app's token. */
export type Target =
  | { mode: 'webhook'; webhook: string }
  | { mode: 'app'; token: string; apiUrl: string; channel: string };

export interface Settings
  extends Omit<
    RawSettings,
    'webhook' | 'token' | 'api_url' | 'channel' | 'template' | 'deploy_summary' | 'timeout' | 'cancel_grace'
  > {
  target: Target;
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

function resolveChecked(
  raw: RawSettings,
  source: (setting: string) => string,
  invalid: ReadonlySet<string>,
): Resolution<Checked> {
  const issues = checkSettings(raw, source, invalid);
  if (issues.length > 0 || invalid.size > 0) return { issues };
  const { webhook, token, api_url, channel, timeout, cancel_grace, ...rest } = raw;
  const resolved: Checked = {
    ...rest,
    target:
      token !== undefined && channel !== undefined
        ? {
            mode: 'app',
            token,
            apiUrl: api_url.endsWith('/') ? api_url : `${api_url}/`,
            channel: channelOf(channel),
          }
        : { mode: 'webhook', webhook: webhook ?? '' },
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
