// slack-notify: tells the team on Slack what the build did. In order: resolve the settings (the
// webhook or token is registered with the masker before anything is printed; the template and
// the deploy summary are read), decide the status and whether notify_on wants a message, compose
// it (drone-slack template or the Block Kit default), and post it: to the webhook, fitted to
// Slack's limits, delivered with retries; or with the app's token (app-mode.ts), as a message
// that start posts and finish updates. A Slack outage fails or warns according to fail_on_error.
import { sleepUnlessAborted } from '../../common/cancel.ts';
import { readBuildContext } from '../../common/ci.ts';
import { type BaseDeps, withBaseDeps } from '../../common/plugin.ts';
import type { Env } from '../../common/settings.ts';
import { announceStart, finishByApp } from './app-mode.ts';
import { composeMessage } from './compose.ts';
import { postMessage } from './post.ts';
import { resolveSettings } from './settings.ts';
import { decideNotification } from './status.ts';
import { type CallSlackApi, callWithFetch } from './webapi.ts';
import { type SendWebhook, sendWithSlackWebhook } from './webhook.ts';

export interface Deps extends BaseDeps {
  /** Posts one message to the webhook (the real one uses @slack/webhook). */
  send: SendWebhook;
  /** Calls one Web API method with the app's token (the real one uses Node's fetch). */
  callApi: CallSlackApi;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The real dependencies, for whatever the caller (a test, the entry) did not give. */
export function withDeps(partial: Partial<Deps>): Deps {
  return {
    ...withBaseDeps(partial),
    send: partial.send ?? sendWithSlackWebhook,
    callApi: partial.callApi ?? callWithFetch,
    sleep: partial.sleep ?? sleepUnlessAborted,
  };
}

export async function run(env: Env, partial: Partial<Deps> = {}): Promise<void> {
  const deps = withDeps(partial);
  const settings = await resolveSettings(env, deps.log);
  const ctx = readBuildContext(env);
  const { target } = settings;
  if (target.mode === 'app' && settings.phase === 'start') return announceStart(settings, target, ctx, deps);
  const decision = decideNotification(ctx, settings.notify_on);
  if (decision.warning) deps.log.warn(decision.warning);
  if (target.mode === 'app') return finishByApp(settings, target, ctx, decision, deps);
  if (!decision.notify) {
    deps.log.info(`not posting to Slack: ${decision.reason}`);
    return;
  }
  const payload = await composeMessage(settings, ctx, decision, deps);
  if (payload) await postMessage(settings, target.webhook, payload, decision, deps);
}
