// One call of a Slack Web API method over Node's fetch, and its outcome as plain data: Slack's
// answer (`ok`, the method's fields, or its `error` with `needed` and Retry-After), or why
// there was none. The token travels in the Authorization header only, never in a URL or a
// body, and nothing of the request leaves this file. api-client.ts decides about retrying.
import { errorMessage } from '../../common/errors.ts';
import { boundedFetch, GAVE_UP, networkFailure, retryAfterOf } from './http-fetch.ts';

export interface ApiRequest {
  /** The Web API's base URL, ending in a slash (https://slack.com/api/). */
  apiUrl: string;
  token: string;
  /** chat.postMessage, chat.update, users.lookupByEmail. */
  method: string;
  args: Record<string, unknown>;
}

export type ApiOutcome =
  | { ok: true; data: Record<string, unknown> }
  | {
      ok: false;
      /** Slack's error code (invalid_auth, not_in_channel, ratelimited, ...), when it answered. */
      error?: string;
      /** missing_scope: the scope the method needs. */
      needed?: string;
      /** HTTP status, when it was not 200. */
      status?: number;
      /** Seconds from Retry-After (ratelimited). */
      retryAfter?: number;
      /** A network error code, TIMEOUT, or GAVE_UP (the run was cancelled). */
      code?: string;
      /** Neither Slack's answer nor the network's. */
      unexpected?: string;
    };

/** Calls one method once, giving up after `timeoutMs` or when `giveUp` aborts. Never throws. */
export type CallSlackApi = (req: ApiRequest, timeoutMs: number, giveUp?: AbortSignal) => Promise<ApiOutcome>;

/** users.lookupByEmail takes form fields only; the chat methods take JSON. */
function encode(args: Record<string, unknown>, form: boolean): { body: string; type: string } {
  if (!form) return { body: JSON.stringify(args), type: 'application/json; charset=utf-8' };
  const fields = Object.entries(args).map(([k, v]): [string, string] => [
    k,
    typeof v === 'string' ? v : JSON.stringify(v),
  ]);
  return { body: new URLSearchParams(fields).toString(), type: 'application/x-www-form-urlencoded' };
}

function answerOf(status: number, text: string, retryAfter: number | undefined): ApiOutcome {
  let data: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') data = parsed as Record<string, unknown>;
  } catch {
    // Not Slack's JSON: a proxy's or a load balancer's page.
  }
  if (data?.ok === true && status === 200) return { ok: true, data };
  const outcome: Extract<ApiOutcome, { ok: false }> = { ok: false };
  if (status !== 200) outcome.status = status;
  const error = typeof data?.error === 'string' ? data.error : status === 429 ? 'ratelimited' : undefined;
  if (error) outcome.error = error.slice(0, 80);
  if (typeof data?.needed === 'string') outcome.needed = data.needed.slice(0, 200);
  if (retryAfter !== undefined) outcome.retryAfter = retryAfter;
  return outcome;
}

/** The real caller: one POST to `<api_url><method>` with the token as a bearer. */
export const callWithFetch: CallSlackApi = async (req, timeoutMs, giveUp) => {
  if (giveUp?.aborted) return { ok: false, code: GAVE_UP };
  const url = `${req.apiUrl}${req.method}`;
  const { fetchFn, state } = boundedFetch(timeoutMs, giveUp);
  const { body, type } = encode(req.args, req.method.startsWith('users.'));
  try {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${req.token}`, 'content-type': type },
      body,
    });
    const text = await response.text();
    return answerOf(response.status, text, retryAfterOf(response.headers.get('retry-after')));
  } catch (err) {
    if (state.ended) return { ok: false, code: state.ended };
    if (err instanceof TypeError && 'cause' in err)
      return { ok: false, ...networkFailure(err, url, 'api_url') };
    // Neither fetch's nor the network's error, so nothing of the request inside: safe to show.
    return { ok: false, unexpected: `${err instanceof Error ? err.name : 'Error'}: ${errorMessage(err)}` };
  }
};
