// The Slack sink's workspace: which tokens are the app's, channels by name or ID, and users by
// email (users.lookupByEmail).
import type { ApiAnswer, ApiChannel, ApiWorkspace } from './slack-api.ts';

export function isAppToken(ws: ApiWorkspace, token: string): boolean {
  return ws.tokens.length > 0 ? ws.tokens.includes(token) : /^xoxb-[A-Za-z0-9-]+$/.test(token);
}

/** A channel by ID (C…), or, when `byName`, by its name with or without the #. */
export function resolveChannel(
  ws: ApiWorkspace,
  given: unknown,
  byName: boolean,
): { channel: ApiChannel } | { error: string } {
  if (typeof given !== 'string' || given === '') return { error: 'channel_not_found' };
  const byId = ws.channels.find((c) => c.id === given);
  if (byId) return { channel: byId };
  const name = given.replace(/^#/, '');
  const named = byName ? ws.channels.find((c) => c.name === name) : undefined;
  return named ? { channel: named } : { error: 'channel_not_found' };
}

export function lookupByEmail(ws: ApiWorkspace, args: Record<string, unknown>): ApiAnswer {
  const email = typeof args.email === 'string' ? args.email.toLowerCase() : '';
  const user = ws.users.find((u) => u.email.toLowerCase() === email);
  if (!user) return { status: 200, body: { ok: false, error: 'users_not_found' }, headers: {} };
  return {
    status: 200,
    body: { ok: true, user: { id: user.id, name: user.name, profile: { email: user.email } } },
    headers: {},
  };
}
