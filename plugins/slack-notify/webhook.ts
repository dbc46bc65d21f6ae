// One POST to the webhook with @slack/webhook, and its outcome as plain data. The library's
// errors are never passed on (a request error wraps the one fetch threw): only the status,
// Slack's short answer, Retry-After and an error code leave this file. @slack/webhook's own
// retries stay off; deliver.ts decides about retrying.
import { errorMessage } from '../../common/errors.ts';
import { boundedFetch, GAVE_UP, networkFailure, retryAfterOf } from './http-fetch.ts';
import type { SlackPayload } from './payload.ts';

export type SendOutcome =
  | { ok: true; status: number }
  | {
      ok: false;
      /** HTTP status, when Slack answered. */
      status?: number;
      /** Slack's answer body, e.g. no_service (short, and only when Slack answered). */
      body?: string;
      /** Seconds from Retry-After. */
      retryAfter?: number;
      /**
       * A network error code (ECONNREFUSED, ...), TIMEOUT when the attempt ran out of time, or
       * GAVE_UP when it was given up (`giveUp` aborted: the run was cancelled).
       */
      code?: string;
      /** Neither Slack's answer nor the network's: a request fetch refuses to make, or a bug. */
      unexpected?: string;
    };

/** Posts `payload` once, giving up after `timeoutMs` or when `giveUp` aborts. Never throws. */
export type SendWebhook = (
  url: string,
  payload: SlackPayload,
  timeoutMs: number,
  giveUp?: AbortSignal,
) => Promise<SendOutcome>;

export { GAVE_UP };

/** What @slack/webhook's errors carry (IncomingWebhookHTTPError, IncomingWebhookRequestError). */
interface LibraryError {
  code?: string;
  statusCode?: number;
  body?: string;
  original?: unknown;
}

function shortBody(data: unknown): string | undefined {
  if (typeof data !== 'string') return undefined;
  const line = data.trim().split('\n')[0] ?? '';
  return line.slice(0, 120);
}

/** The real sender: @slack/webhook over Node's fetch, one attempt, bounded in time. */
export const sendWithSlackWebhook: SendWebhook = async (url, payload, timeoutMs, giveUp) => {
  if (giveUp?.aborted) return { ok: false, code: GAVE_UP };
  // Loaded only to send: not for --help, a settings error, or a status notify_on does not want.
  const webhookModule = await import('@slack/webhook');
  // A CommonJS package: its exports arrive as named exports under tsx, as `default` in the bundle.
  const { IncomingWebhook, ErrorCode } = webhookModule.IncomingWebhook
    ? webhookModule
    : webhookModule.default;
  const { fetchFn, state } = boundedFetch(timeoutMs, giveUp);
  try {
    const hook = new IncomingWebhook(url, { fetch: fetchFn, retryConfig: { retries: 0 } });
    await hook.send({ ...payload });
    return { ok: true, status: 200 };
  } catch (err) {
    if (state.ended) return { ok: false, code: state.ended };
    const e = err as LibraryError;
    if (e.code === ErrorCode.HTTPError && e.statusCode !== undefined) {
      const outcome: SendOutcome = { ok: false, status: e.statusCode };
      const body = shortBody(e.body);
      if (body) outcome.body = body;
      const retryAfter = retryAfterOf(state.headers?.get('retry-after') ?? undefined);
      if (retryAfter !== undefined) outcome.retryAfter = retryAfter;
      return outcome;
    }
    if (e.code === ErrorCode.RequestError)
      return { ok: false, ...networkFailure(e.original, url, 'webhook') };
    // Not the library's error, so nothing of the request inside: name and message are safe to show.
    return { ok: false, unexpected: `${err instanceof Error ? err.name : 'Error'}: ${errorMessage(err)}` };
  }
};
