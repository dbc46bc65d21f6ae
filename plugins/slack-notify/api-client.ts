// Web API calls for one run, within one overall `timeout`: a call answered `ratelimited` waits
// for Retry-After (when it fits in the time left) and is tried once more; every other refusal
// is final and named with how to fix it. A call that got no answer is never repeated: Slack may
// have done it. Once the run is cancelled no call starts, a rate-limit wait ends at once, and
// the call in flight gets cancel_grace to be answered.
import { CancelledError, cancellation, graceAfter } from '../../common/cancel.ts';
import { formatDuration } from '../../common/duration.ts';
import { type ApiFailure, describeFailure, refusal, SlackApiError } from './api-errors.ts';
import type { DeliverDeps } from './deliver.ts';
import { GAVE_UP } from './http-fetch.ts';
import type { CallSlackApi } from './webapi.ts';

/** What deliver.ts gets (clock, sleep, log, the run's signal), with the Web API in place of the webhook. */
export type ApiDeps = Omit<DeliverDeps, 'send' | 'cancelGraceMs'> & { callApi: CallSlackApi };

export interface ApiSession {
  token: string;
  apiUrl: string;
  /** The channel as the settings name it, for messages. */
  channelLabel: string;
  timeoutMs: number;
  cancelGraceMs: number;
}

/** Calls a method; resolves with Slack's answer, throws SlackApiError or CancelledError. */
export type SlackApi = (method: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>;

function unanswered(method: string, f: ApiFailure, session: ApiSession): SlackApiError {
  if (f.unexpected !== undefined)
    return new SlackApiError(`could not call ${method}: ${f.unexpected}`, undefined);
  const why =
    f.code === 'TIMEOUT'
      ? `Slack did not answer ${method} within ${formatDuration(session.timeoutMs)} (the timeout setting)`
      : `could not reach Slack's Web API for ${method} (${describeFailure(f)}): check api_url and the network`;
  return new SlackApiError(`${why}; it is not called again, so nothing is posted twice`, undefined);
}

export function createSlackApi(session: ApiSession, deps: ApiDeps): SlackApi {
  const deadline = deps.now() + session.timeoutMs;
  const giveUp = deps.signal ? graceAfter(deps.signal, session.cancelGraceMs) : undefined;
  const stopIfCancelled = (method: string) => {
    const c = cancellation(deps.signal);
    if (c) throw new CancelledError(c.signal, `cancelled by ${c.signal} before ${method}: it was not called`);
  };

  const once = async (method: string, args: Record<string, unknown>) => {
    stopIfCancelled(method);
    const left = deadline - deps.now();
    if (left <= 0) throw unanswered(method, { ok: false, code: 'TIMEOUT' }, session);
    const request = { apiUrl: session.apiUrl, token: session.token, method, args };
    const outcome = await deps.callApi(request, left, giveUp);
    const c = cancellation(deps.signal);
    if (c && !outcome.ok && outcome.code === GAVE_UP) {
      throw new CancelledError(
        c.signal,
        `cancelled by ${c.signal}: Slack did not answer ${method} within cancel_grace (${formatDuration(session.cancelGraceMs)}); it may have been done`,
      );
    }
    return outcome;
  };

  return async (method, args) => {
    let outcome = await once(method, args);
    if (!outcome.ok && outcome.error === 'ratelimited') {
      const wait = Math.ceil((outcome.retryAfter ?? 1) * 1000);
      if (deps.now() + wait >= deadline) {
        throw new SlackApiError(
          `Slack rate-limited ${method} and asked to wait ${formatDuration(wait)}, longer than the time left of the timeout setting (${formatDuration(session.timeoutMs)})`,
          'ratelimited',
        );
      }
      deps.log.info(
        `Slack rate-limited ${method}; trying once more in ${formatDuration(wait)} (Retry-After)`,
      );
      await deps.sleep(wait, deps.signal);
      outcome = await once(method, args);
    }
    if (outcome.ok) return outcome.data;
    if (outcome.error !== undefined || outcome.status !== undefined)
      throw refusal(method, outcome, session.channelLabel);
    throw unanswered(method, outcome, session);
  };
}
