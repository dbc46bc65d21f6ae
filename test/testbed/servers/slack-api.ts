// The Slack sink's Web API (POST /api/<method>): chat.postMessage, chat.update and
// users.lookupByEmail, answered as Slack answers them — the bearer token checked (not_authed,
// invalid_auth), the app's scopes (missing_scope with `needed`), channels by name or ID
// (channel_not_found, not_in_channel for one the app is not in), `ts` values, a per-method rate
// limit (HTTP 429, Retry-After, `ratelimited`) and queued errors. Every message is kept with
// its edits and thread replies, so a test can read the final state of each.
//
// Control API (see slack-sink.ts for the webhook's):
//   GET    /_testbed/api               -> {"workspace":...,"messages":[ApiMessage...]}
//   PUT    /_testbed/api/workspace     body: ApiWorkspace (replaces the defaults given)
//   POST   /_testbed/api/ratelimits    body: ApiRateLimit | ApiRateLimit[]
//   POST   /_testbed/api/errors        body: ApiFault | ApiFault[]  (the next calls of a method)
//   DELETE /_testbed/api               -> back to the default workspace, no messages
import { isAppToken, lookupByEmail, resolveChannel } from './slack-api-workspace.ts';

export interface ApiChannel {
  id: string;
  name: string;
  /** Whether the app is a member (else not_in_channel). */
  member: boolean;
}

export interface ApiUser {
  id: string;
  email: string;
  name: string;
}

export interface ApiWorkspace {
  /** Valid tokens; empty: any token shaped like a bot token (xoxb-…) is valid. */
  tokens: string[];
  /** The app's scopes. */
  scopes: string[];
  channels: ApiChannel[];
  users: ApiUser[];
}

export interface ApiRateLimit {
  method: string;
  /** How many calls of the method are answered 429 (default 1). */
  times?: number;
  /** Seconds for Retry-After (default 1). */
  retryAfter?: number;
}

export interface ApiFault {
  method: string;
  /** Slack's error code, e.g. msg_too_long, message_not_found. */
  error: string;
  needed?: string;
}

/** One message as a channel shows it now. */
export interface ApiMessage {
  channel: string;
  ts: string;
  text?: unknown;
  attachments?: unknown;
  blocks?: unknown;
  /** Set on a thread reply: the ts of the message it replies to. */
  thread_ts?: string;
  reply_broadcast?: boolean;
  /** How many times chat.update changed it. */
  edits: number;
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export const DEFAULT_WORKSPACE: ApiWorkspace = {
  tokens: [],
  scopes: ['chat:write', 'users:read', 'users:read.email'],
  channels: [
    { id: 'C0DEPLOYS1', name: 'deploys', member: true },
    { id: 'C0GENERAL1', name: 'general', member: false },
  ],
  users: [{ id: 'U0OCTOCAT1', email: 'octocat@example.com', name: 'octocat' }],
};

const SCOPES: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'users.lookupByEmail': 'users:read.email',
};

const fail = (error: string, extra: Record<string, unknown> = {}): ApiAnswer => ({
  status: 200,
  body: { ok: false, error, ...extra },
  headers: {},
});

const ok = (body: Record<string, unknown>): ApiAnswer => ({
  status: 200,
  body: { ok: true, ...body },
  headers: {},
});

export class SlackApi {
  workspace: ApiWorkspace = structuredClone(DEFAULT_WORKSPACE);
  messages: ApiMessage[] = [];
  private limits: ApiRateLimit[] = [];
  private faults: ApiFault[] = [];
  private lastTs = 0;

  reset(): void {
    this.workspace = structuredClone(DEFAULT_WORKSPACE);
    this.messages = [];
    this.limits = [];
    this.faults = [];
  }

  setWorkspace(given: Partial<ApiWorkspace>): void {
    this.workspace = { ...structuredClone(DEFAULT_WORKSPACE), ...given };
  }

  addRateLimits(items: ApiRateLimit[]): void {
    this.limits.push(...items.map((l) => ({ times: 1, retryAfter: 1, ...l })));
  }

  addFaults(items: ApiFault[]): void {
    this.faults.push(...items);
  }

  /** A new ts, increasing, shaped as Slack's: seconds, a dot, six digits. */
  private nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  /** Answers one call: the checks Slack makes first, then the method. */
  call(method: string, authorization: string | undefined, args: Record<string, unknown>): ApiAnswer {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? (args.token as string | undefined);
    if (!token) return fail('not_authed');
    if (!isAppToken(this.workspace, token)) return fail('invalid_auth');
    const limit = this.limits.find((l) => l.method === method && (l.times ?? 0) > 0);
    if (limit) {
      limit.times = (limit.times ?? 1) - 1;
      const answer = fail('ratelimited');
      return { ...answer, status: 429, headers: { 'retry-after': String(limit.retryAfter ?? 1) } };
    }
    const fault = this.faults.findIndex((f) => f.method === method);
    if (fault >= 0) {
      const [f] = this.faults.splice(fault, 1);
      return fail(f?.error ?? 'fatal_error', f?.needed ? { needed: f.needed } : {});
    }
    const scope = SCOPES[method];
    if (!scope) return fail('unknown_method');
    if (!this.workspace.scopes.includes(scope))
      return fail('missing_scope', { needed: scope, provided: this.workspace.scopes.join(',') });
    if (method === 'users.lookupByEmail') return lookupByEmail(this.workspace, args);
    return method === 'chat.update' ? this.update(args) : this.post(args);
  }

  private post(args: Record<string, unknown>): ApiAnswer {
    const found = resolveChannel(this.workspace, args.channel, true);
    if ('error' in found) return fail(found.error);
    if (!found.channel.member) return fail('not_in_channel');
    if (args.text === undefined && args.attachments === undefined && args.blocks === undefined)
      return fail('no_text');
    if (typeof args.text === 'string' && args.text.length > 40_000) return fail('msg_too_long');
    const thread = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
    if (thread && !this.messages.some((m) => m.channel === found.channel.id && m.ts === thread))
      return fail('thread_not_found');
    const message: ApiMessage = { channel: found.channel.id, ts: this.nextTs(), edits: 0 };
    for (const key of ['text', 'attachments', 'blocks'] as const)
      if (args[key] !== undefined) message[key] = args[key];
    if (thread) {
      message.thread_ts = thread;
      message.reply_broadcast = args.reply_broadcast === true || args.reply_broadcast === 'true';
    }
    this.messages.push(message);
    return ok({ channel: message.channel, ts: message.ts, message });
  }

  private update(args: Record<string, unknown>): ApiAnswer {
    // chat.update takes a channel ID only, as Slack's does.
    const found = resolveChannel(this.workspace, args.channel, false);
    if ('error' in found) return fail(found.error);
    const message = this.messages.find((m) => m.channel === found.channel.id && m.ts === args.ts);
    if (!message) return fail('message_not_found');
    if (args.text === undefined && args.attachments === undefined && args.blocks === undefined)
      return fail('no_text');
    for (const key of ['text', 'attachments', 'blocks'] as const)
      if (args[key] !== undefined) message[key] = args[key];
    message.edits += 1;
    return ok({ channel: message.channel, ts: message.ts, text: message.text });
  }
}
