// One POST to the webhook with @slack/webhook, and its outcome as plain data. The library's
// errors are never passed on (a request error wraps the one fetch threw): only the status,
// Slack's short answer, Retry-After and an error code leave this file. @slack/webhook's own
// retries stay off; deliver.ts decides about retrying.
import { errorMessage } from '../../common/errors.ts';
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

export const GAVE_UP = 'GAVE_UP';

/** What @slack/webhook's errors carry (IncomingWebhookHTTPError, IncomingWebhookRequestError). */
interface LibraryError {
  code?: string;
  statusCode?: number;
  body?: string;
  original?: unknown;
}

/**
 * Why fetch failed: the socket's code (ECONNREFUSED, ...) from the TypeError's cause, or, for
 * a failure fetch makes itself (a port the Fetch standard blocks), a sentence for the user.
 */
function networkFailure(original: unknown, url: string): SendOutcome {
  const cause = (original as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return { ok: false, code: cause.code };
  if (cause?.message === 'bad port') {
    const port = new URL(url).port;
    return {
      ok: false,
      unexpected: `Node's fetch refuses port ${port} (one the Fetch standard blocks); give the webhook another port`,
    };
  }
  return { ok: false, code: 'EUNKNOWN' };
}

function shortBody(data: unknown): string | undefined {
  if (typeof data !== 'string') return undefined;
  const line = data.trim().split('\n')[0] ?? '';
  return line.slice(0, 120);
}

function retryAfterOf(raw: string | undefined): number | undefined {
  const text = raw ?? '';
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Number(text.trim());
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/**
 * Node's fetch, ended by `timeoutMs` or by `giveUp`, keeping the response's headers (the
 * library's HTTP error has no Retry-After) and why an attempt was ended.
 */
function boundedFetch(timeoutMs: number, giveUp: AbortSignal | undefined) {
  const state: { headers?: Headers; ended?: 'TIMEOUT' | typeof GAVE_UP } = {};
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = giveUp ? AbortSignal.any([timeout, giveUp]) : timeout;
  signal.addEventListener('abort', () => {
    state.ended = giveUp?.aborted ? GAVE_UP : 'TIMEOUT';
  });
  const fetchFn = async (url: string | URL, init?: RequestInit) => {
    const response = await fetch(url, { ...init, signal });
    state.headers = response.headers;
    return response;
  };
  return { fetchFn, state };
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
    if (e.code === ErrorCode.RequestError) return networkFailure(e.original, url);
    // Not the library's error, so nothing of the request inside: name and message are safe to show.
    return { ok: false, unexpected: `${err instanceof Error ? err.name : 'Error'}: ${errorMessage(err)}` };
  }
};
