// How a Slack failure ends the step, in both modes: with fail_on_error (the default) it fails
// the step; without, a warning and exit 0. A cancelled run fails whatever fail_on_error says,
// also when the message went out just before the signal: the runner must see it was stopped.
// And every message is masked and fitted to Slack's limits before it is sent, on every method.
import { CancelledError, cancellation } from '../../common/cancel.ts';
import { errorMessage } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { fitToLimits } from './limits.ts';
import { maskStrings, type SlackPayload } from './payload.ts';

export async function settleSlackFailure(
  failOnError: boolean,
  deps: { log: Logger; signal?: AbortSignal },
  action: () => Promise<void>,
): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (failOnError || cancellation(deps.signal)) throw err;
    deps.log.warn(
      `${errorMessage(err)}\nfail_on_error is false: the step succeeds without the Slack message`,
    );
  }
  const cancelled = cancellation(deps.signal);
  if (cancelled) {
    throw new CancelledError(
      cancelled.signal,
      `cancelled by ${cancelled.signal} after the message was posted`,
    );
  }
}

/** The payload as it may be sent: no secret in it (whatever a commit message holds), within the limits. */
export function prepareMessage(payload: SlackPayload, log: Logger): SlackPayload {
  const safe = fitToLimits(maskStrings(payload, (t) => log.masker.mask(t)));
  log.debug(`message: ${JSON.stringify(safe)}`);
  return safe;
}
