// Delivery with retries inside one overall timeout, posting at most once:
//  - 2xx: done.
//  - 429: Slack did not post; wait for Retry-After (when it fits in the time left), try again.
//  - 5xx, and network errors that happen before the request reaches Slack (refused, DNS):
//    try again after a growing pause (0.5 s, 1 s, 2 s, … at most 8 s).
//  - other 4xx (404 no_service, 403, 400 …): permanent, not retried.
//  - no answer in time, or a connection cut after the message was sent: Slack may have posted
//    it, so it is not sent again (a duplicate is worse than a warning).
// Once the run is cancelled (SIGTERM, SIGINT) no attempt starts, none is retried, and the one in
// flight gets cancel_grace to be answered; then it is given up, and Slack may have posted it.
import { CancelledError, cancellation, graceAfter } from '../../common/cancel.ts';
import { formatDuration } from '../../common/duration.ts';
import { HttpError, PluginError, TimeoutError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import type { SlackPayload } from './payload.ts';
import { GAVE_UP, type SendOutcome, type SendWebhook } from './webhook.ts';

export interface DeliverDeps {
  send: SendWebhook;
  /** Waits `ms`, or less when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  log: Logger;
  /** Aborted (with a CancelledError) when the run is cancelled. */
  signal?: AbortSignal;
  /** After the signal, how long the attempt in flight may still take (default 5 s). */
  cancelGraceMs?: number;
}

export interface Delivered {
  attempts: number;
}

/** Errors that mean the request never reached Slack, so sending again cannot post twice. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export const DEFAULT_CANCEL_GRACE_MS = 5000;

const FIRST_PAUSE_MS = 500;
const MAX_PAUSE_MS = 8000;

/** What Slack's short error answers mean for the person reading the build log. */
const ANSWER_HINTS: Record<string, string> = {
  no_service: 'the webhook was removed or disabled: create a new incoming webhook and update the secret',
  no_active_hooks: 'the webhook was removed or disabled: create a new incoming webhook and update the secret',
  invalid_token: 'the webhook was revoked: create a new incoming webhook and update the secret',
  channel_not_found: 'the channel does not exist or the webhook cannot post there: check the channel setting',
  channel_is_archived: 'the channel is archived',
  action_prohibited: 'the workspace does not allow this webhook to post there',
  posting_to_general_channel_denied: 'only admins may post to that channel',
  invalid_payload: 'Slack refused the message itself; please report this with the build log',
};

function describeAnswer(o: Extract<SendOutcome, { ok: false }>): string {
  if (o.status === undefined)
    return o.code === 'TIMEOUT' ? 'no answer' : `network error ${o.code ?? ''}`.trim();
  return `HTTP ${o.status}${o.body ? ` ${o.body}` : ''}`;
}

function permanentMessage(o: Extract<SendOutcome, { ok: false }>): string {
  const hint =
    (o.body && ANSWER_HINTS[o.body]) ??
    (o.status === 404 ? 'the webhook URL is not known to Slack: check the secret' : '');
  return `Slack refused the message (${describeAnswer(o)})${hint ? `: ${hint}` : ''}`;
}

export async function deliver(
  url: string,
  payload: SlackPayload,
  timeoutMs: number,
  deps: DeliverDeps,
): Promise<Delivered> {
  const graceMs = deps.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS;
  // When the attempt in flight is given up: cancel_grace after the signal.
  const giveUp = deps.signal ? graceAfter(deps.signal, graceMs) : undefined;
  let inFlight = false;
  const send: SendWebhook = async (...args) => {
    inFlight = true;
    try {
      return await deps.send(...args);
    } finally {
      inFlight = false;
    }
  };
  const onCancel = () => {
    if (inFlight)
      deps.log.info(
        `waiting up to ${formatDuration(graceMs)} (cancel_grace) for Slack to answer the post already sent; none is sent after it`,
      );
  };
  deps.signal?.addEventListener('abort', onCancel, { once: true });
  try {
    return await attempts(url, payload, timeoutMs, { ...deps, send }, graceMs, giveUp);
  } finally {
    deps.signal?.removeEventListener('abort', onCancel);
  }
}

async function attempts(
  url: string,
  payload: SlackPayload,
  timeoutMs: number,
  deps: DeliverDeps,
  graceMs: number,
  giveUp: AbortSignal | undefined,
): Promise<Delivered> {
  const start = deps.now();
  const deadline = start + timeoutMs;
  let pause = FIRST_PAUSE_MS;
  let last: Extract<SendOutcome, { ok: false }> | undefined;
  /** No attempt starts after the signal, whatever the last one answered. */
  const stopIfCancelled = () => {
    const c = cancellation(deps.signal);
    if (!c) return;
    throw new CancelledError(
      c.signal,
      last
        ? `cancelled by ${c.signal}: Slack answered ${describeAnswer(last)} and is not asked again; the message was not posted`
        : `cancelled by ${c.signal} before posting: the message was not posted`,
    );
  };
  for (let attempt = 1; ; attempt++) {
    const left = deadline - deps.now();
    if (left <= 0) break;
    stopIfCancelled();
    const outcome = await deps.send(url, payload, left, giveUp);
    if (outcome.ok) return { attempts: attempt };
    const cancelled = cancellation(deps.signal);
    if (cancelled && outcome.code === GAVE_UP) {
      throw new CancelledError(
        cancelled.signal,
        `cancelled by ${cancelled.signal}: Slack did not answer within cancel_grace (${formatDuration(graceMs)}); gave up waiting, and the message may have been posted`,
      );
    }
    last = outcome;
    if (outcome.unexpected !== undefined) {
      throw new PluginError(`could not send the message: ${outcome.unexpected}`);
    }

    let wait: number;
    if (outcome.status === 429) {
      wait = Math.ceil((outcome.retryAfter ?? 1) * 1000);
    } else if (outcome.status !== undefined && outcome.status >= 500) {
      wait = pause;
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    } else if (outcome.status === undefined && outcome.code && NOT_SENT.has(outcome.code)) {
      wait = pause;
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    } else if (outcome.status === undefined) {
      const why =
        outcome.code === 'TIMEOUT'
          ? `Slack did not answer within ${formatDuration(timeoutMs)} (the timeout setting)`
          : `the connection to Slack failed after the message was sent (${outcome.code})`;
      throw new TimeoutError(`${why}; the message may have been posted, so it is not sent again`);
    } else {
      throw new HttpError(permanentMessage(outcome), outcome.status);
    }

    stopIfCancelled();
    if (deps.now() + wait >= deadline) {
      const asked = outcome.status === 429 ? `, and Slack asked to wait ${formatDuration(wait)}` : '';
      throw new HttpError(
        `Slack could not take the message within ${formatDuration(timeoutMs)} (the timeout setting): ` +
          `${attempt} attempt${attempt === 1 ? '' : 's'}, the last answered ${describeAnswer(outcome)}${asked}`,
        outcome.status,
      );
    }
    deps.log.info(`Slack answered ${describeAnswer(outcome)}; trying again in ${formatDuration(wait)}`);
    await deps.sleep(wait, deps.signal);
  }
  throw new HttpError(
    `Slack could not take the message within ${formatDuration(timeoutMs)} (the timeout setting)${last ? `: the last attempt answered ${describeAnswer(last)}` : ''}`,
    last?.status,
  );
}
