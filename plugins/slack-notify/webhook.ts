// One POST to the webhook with @slack/webhook, and its outcome as plain data. Errors from
// @slack/webhook and axios carry the request config (the webhook URL, the payload) and are
// never passed on: only the status, Slack's short answer, Retry-After and an error code leave
// this file. @slack/webhook's own retries stay off; deliver.ts decides about retrying.
import type { Agent } from 'node:http';
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
      /** An error that is neither Slack's answer nor the network's (a bug): its name and message. */
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

interface AxiosLikeError {
  code?: string;
  original?: {
    code?: string;
    response?: { status?: number; data?: unknown; headers?: Record<string, unknown> };
  };
}

function shortBody(data: unknown): string | undefined {
  if (typeof data !== 'string') return undefined;
  const line = data.trim().split('\n')[0] ?? '';
  return line.slice(0, 120);
}

function retryAfterOf(headers: Record<string, unknown> | undefined): number | undefined {
  const raw = headers?.['retry-after'];
  const text = Array.isArray(raw)
    ? String(raw[0])
    : typeof raw === 'string' || typeof raw === 'number'
      ? String(raw)
      : '';
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Number(text.trim());
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** The real sender: @slack/webhook over a private agent, which is destroyed to end a slow attempt. */
export const sendWithSlackWebhook: SendWebhook = async (url, payload, timeoutMs, giveUp) => {
  // Loaded only to send (about a third of the start-up work): not for --help, a settings
  // error, or a status notify_on does not want.
  const webhookModule = await import('@slack/webhook');
  // A CommonJS package: its exports arrive as named exports under tsx, as `default` in the bundle.
  const { IncomingWebhook, ErrorCode } = webhookModule.IncomingWebhook
    ? webhookModule
    : webhookModule.default;
  const agent: Agent = url.startsWith('https:')
    ? new (await import('node:https')).Agent({ keepAlive: false })
    : new (await import('node:http')).Agent({ keepAlive: false });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    agent.destroy();
  }, timeoutMs);
  let gaveUp = false;
  const onGiveUp = () => {
    gaveUp = true;
    agent.destroy();
  };
  giveUp?.addEventListener('abort', onGiveUp, { once: true });
  try {
    if (giveUp?.aborted) return { ok: false, code: GAVE_UP };
    // No `timeout` default: @slack/webhook would post it as a field of the message.
    const hook = new IncomingWebhook(url, { agent, retryConfig: { retries: 0 } });
    await hook.send({ ...payload });
    return { ok: true, status: 200 };
  } catch (err) {
    if (gaveUp) return { ok: false, code: GAVE_UP };
    if (timedOut) return { ok: false, code: 'TIMEOUT' };
    const e = err as AxiosLikeError;
    const response = e.original?.response;
    if (e.code === ErrorCode.HTTPError && response?.status !== undefined) {
      const outcome: SendOutcome = { ok: false, status: response.status };
      const body = shortBody(response.data);
      if (body) outcome.body = body;
      const retryAfter = retryAfterOf(response.headers);
      if (retryAfter !== undefined) outcome.retryAfter = retryAfter;
      return outcome;
    }
    if (e.code === ErrorCode.RequestError) return { ok: false, code: e.original?.code ?? 'EUNKNOWN' };
    // Not an axios error, so no request config inside: name and message are safe to show.
    return { ok: false, unexpected: `${err instanceof Error ? err.name : 'Error'}: ${errorMessage(err)}` };
  } finally {
    clearTimeout(timer);
    giveUp?.removeEventListener('abort', onGiveUp);
    agent.destroy();
  }
};
