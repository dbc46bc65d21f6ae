// Posting the message to the incoming webhook: masked (the webhook URL is the one secret here;
// keep it out of the message too, whatever a commit message or template holds), fitted to
// Slack's limits, then delivered with retries; a failure ends the step as outcome.ts says.
import { type DeliverDeps, deliver } from './deliver.ts';
import { prepareMessage, settleSlackFailure } from './outcome.ts';
import type { SlackPayload } from './payload.ts';
import type { Settings } from './settings.ts';
import type { Decision } from './status.ts';

export type PostDeps = Omit<DeliverDeps, 'cancelGraceMs'>;

export async function postMessage(
  s: Settings,
  webhook: string,
  payload: SlackPayload,
  decision: Decision,
  deps: PostDeps,
): Promise<void> {
  const { log } = deps;
  const safe = prepareMessage(payload, log);
  log.info(`posting the ${decision.status} message to Slack${s.channel ? ` (${s.channel})` : ''}`);
  await settleSlackFailure(s.fail_on_error, deps, async () => {
    const { attempts } = await deliver(webhook, safe, s.timeoutMs, {
      ...deps,
      cancelGraceMs: s.cancelGraceMs,
    });
    log.info(`posted to Slack${attempts > 1 ? ` after ${attempts} attempts` : ''}`);
  });
}
