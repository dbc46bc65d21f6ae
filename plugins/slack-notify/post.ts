// Posting the message: masked (the webhook URL is the one secret here; keep it out of the
// message too, whatever a commit message or template holds), fitted to Slack's limits, then
// delivered with retries. On a Slack outage the step fails or warns according to fail_on_error;
// a cancelled run fails whatever fail_on_error says: the runner must see it was stopped.
import { CancelledError, cancellation } from '../../common/cancel.ts';
import { errorMessage } from '../../common/errors.ts';
import { type DeliverDeps, deliver } from './deliver.ts';
import { fitToLimits } from './limits.ts';
import { maskStrings, type SlackPayload } from './payload.ts';
import type { Settings } from './settings.ts';
import type { Decision } from './status.ts';

export type PostDeps = Omit<DeliverDeps, 'cancelGraceMs'>;

export async function postMessage(
  s: Settings,
  payload: SlackPayload,
  decision: Decision,
  deps: PostDeps,
): Promise<void> {
  const { log } = deps;
  const safe = fitToLimits(maskStrings(payload, (t) => log.masker.mask(t)));
  log.debug(`message: ${JSON.stringify(safe)}`);
  log.info(`posting the ${decision.status} message to Slack${s.channel ? ` (${s.channel})` : ''}`);
  try {
    const { attempts } = await deliver(s.webhook, safe, s.timeoutMs, {
      ...deps,
      cancelGraceMs: s.cancelGraceMs,
    });
    log.info(`posted to Slack${attempts > 1 ? ` after ${attempts} attempts` : ''}`);
  } catch (err) {
    if (s.fail_on_error || cancellation(deps.signal)) throw err;
    log.warn(`${errorMessage(err)}\nfail_on_error is false: the step succeeds without the Slack message`);
  }
  const cancelled = cancellation(deps.signal);
  if (cancelled) {
    throw new CancelledError(
      cancelled.signal,
      `cancelled by ${cancelled.signal} after the message was posted`,
    );
  }
}
