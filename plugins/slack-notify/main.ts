// slack-notify: tells the team on Slack what the build did. In order: read the settings (the
// webhook is registered with the masker before anything is printed), decide the status and
// whether notify_on wants a message, build it (drone-slack template or the Block Kit default),
// fit it to Slack's limits, deliver it with retries, and on a Slack outage fail or warn
// according to fail_on_error.
import { CancelledError, cancellation, sleepUnlessAborted } from '../../common/cancel.ts';
import { readDroneContext } from '../../common/drone.ts';
import { parseDuration } from '../../common/duration.ts';
import { errorMessage, SettingsError } from '../../common/errors.ts';
import { type BaseDeps, readSettings, withBaseDeps } from '../../common/plugin.ts';
import { pluginVariable, type SettingsOf } from '../../common/schema.ts';
import type { Env } from '../../common/settings.ts';
import { checkSettings } from './checks.ts';
import { deliver } from './deliver.ts';
import { collectFacts } from './facts.ts';
import { fitToLimits } from './limits.ts';
import { formatMentions } from './mentions.ts';
import { buildDefaultMessage } from './message.ts';
import { channelOf, maskStrings, type SlackPayload } from './payload.ts';
import { schema } from './schema.ts';
import { decideNotification } from './status.ts';
import { findDeploySummary } from './summary-file.ts';
import { buildTemplateMessage } from './template-message.ts';
import { resolveTemplate } from './template-source.ts';
import { type SendWebhook, sendWithSlackWebhook } from './webhook.ts';

export type Settings = SettingsOf<typeof schema>;

export interface Deps extends BaseDeps {
  /** Posts one message to the webhook (the real one uses @slack/webhook). */
  send: SendWebhook;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function settingError(setting: string, problem: string): SettingsError {
  return new SettingsError([{ setting, variable: pluginVariable(setting), problem }]);
}

export async function run(env: Env, partial: Partial<Deps> = {}): Promise<void> {
  const base = withBaseDeps(partial);
  const deps: Deps = {
    ...base,
    send: partial.send ?? sendWithSlackWebhook,
    sleep: partial.sleep ?? sleepUnlessAborted,
  };
  const { log } = deps;
  const s = readSettings<Settings>(schema, env, log, checkSettings);

  // The template is read and parsed before anything else can fail later: a broken template
  // is a settings error (exit 1), whatever fail_on_error says.
  let templateText: string | undefined;
  if (s.template !== undefined) {
    const source = resolveTemplate(s.template);
    if (!source.ok) throw settingError('template', source.problem);
    const { checkTemplate } = await import('./template.ts');
    const problem = await checkTemplate(source.text);
    if (problem) throw settingError('template', `does not parse: ${problem}`);
    templateText = source.text;
  }
  const found = findDeploySummary(s.deploy_summary, env.PLUGIN_DEPLOY_SUMMARY !== undefined, log);
  if (!found.ok) throw settingError('deploy_summary', found.problem);

  const ctx = readDroneContext(env);
  const decision = decideNotification(ctx, s.notify_on);
  if (!decision.notify) {
    log.info(`not posting to Slack: ${decision.reason}`);
    return;
  }
  const mentions =
    decision.status === 'failure' ? formatMentions(s.mentions) : { text: '', needsLinkNames: false };

  let payload: SlackPayload;
  if (templateText !== undefined) {
    const attachment = await buildTemplateMessage({
      template: templateText,
      ctx,
      status: decision.status === 'failure' ? 'failure' : 'success',
      color: s.color,
      now: deps.now,
    });
    if (!attachment.text) {
      // Slack has nothing to show for an empty text (drone-slack would post an empty bar).
      log.info('not posting to Slack: the template rendered no text for this build');
      return;
    }
    payload = { attachments: [attachment] };
    if (mentions.text) payload.text = mentions.text;
  } else {
    const message = buildDefaultMessage({
      facts: collectFacts(ctx, decision.status, deps.now()),
      deploy: found.summary,
      mentions: mentions.text,
      color: s.color,
    });
    payload = {
      text: message.text,
      attachments: [message.attachment],
      unfurl_links: false,
      unfurl_media: false,
    };
  }
  if (s.channel !== undefined) payload.channel = channelOf(s.channel);
  if (s.username !== undefined) payload.username = s.username;
  if (s.icon_url !== undefined) payload.icon_url = s.icon_url;
  if (s.icon_emoji !== undefined) payload.icon_emoji = s.icon_emoji;
  if (s.link_names || mentions.needsLinkNames) payload.link_names = true;

  // The webhook URL is the one secret here; keep it out of the message too, whatever a
  // commit message or template holds.
  const safe = fitToLimits(maskStrings(payload, (t) => log.masker.mask(t)));

  log.debug(`message: ${JSON.stringify(safe)}`);
  log.info(`posting the ${decision.status} message to Slack${s.channel ? ` (${payload.channel})` : ''}`);
  try {
    const { attempts } = await deliver(s.webhook, safe, parseDuration(s.timeout), {
      ...deps,
      cancelGraceMs: parseDuration(s.cancel_grace),
    });
    log.info(`posted to Slack${attempts > 1 ? ` after ${attempts} attempts` : ''}`);
  } catch (err) {
    // A cancelled run fails whatever fail_on_error says: the runner must see it was stopped.
    if (s.fail_on_error || cancellation(deps.signal)) throw err;
    log.warn(`${errorMessage(err)}\nfail_on_error is false: the step succeeds without the Slack message`);
  }
  const cancelled = cancellation(deps.signal);
  if (cancelled)
    throw new CancelledError(
      cancelled.signal,
      `cancelled by ${cancelled.signal} after the message was posted`,
    );
}
