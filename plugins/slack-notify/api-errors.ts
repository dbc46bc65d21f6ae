// What the Web API's errors mean for the person reading the build log, and how to fix each.
// Slack answers `ok: false` with a short code; the ones a deploy notification meets are named
// here, the rest are shown as Slack wrote them.
import { formatDuration } from '../../common/duration.ts';
import { PluginError } from '../../common/errors.ts';
import type { ApiOutcome } from './webapi.ts';

/** Slack refused a Web API call, or could not be asked; `error` is Slack's code when it answered. */
export class SlackApiError extends PluginError {
  override readonly name = 'SlackApiError';
  readonly error: string | undefined;

  constructor(message: string, error: string | undefined) {
    super(message);
    this.error = error;
  }
}

export type ApiFailure = Extract<ApiOutcome, { ok: false }>;

type Hint = (f: ApiFailure, channel: string) => string;

const BAD_TOKEN: Hint = () =>
  "the token is not valid: give the app's Bot User OAuth Token (xoxb-…) of an installed app, and update the secret";

export const API_HINTS: Record<string, Hint> = {
  invalid_auth: BAD_TOKEN,
  not_authed: BAD_TOKEN,
  token_revoked: () =>
    'the token was revoked (the app was uninstalled?): reinstall the app and update the secret',
  account_inactive: () =>
    'the token belongs to a deactivated user or app: reinstall the app and update the secret',
  not_in_channel: (_f, channel) =>
    `the app is not a member of ${channel}: invite the app to ${channel} (/invite @your-app in the channel)`,
  channel_not_found: (_f, channel) =>
    `Slack knows no channel ${channel} that the app can see: check the channel setting (a private channel needs the app invited first)`,
  is_archived: (_f, channel) => `${channel} is archived: unarchive it or set another channel`,
  missing_scope: (f) =>
    `the app lacks the scope ${f.needed ?? '(not named by Slack)'}: add it under OAuth & Permissions, reinstall the app, and update the secret if the token changed`,
  msg_too_long: () =>
    'Slack found the message too long, though it was fitted to the limits: please report this with the build log',
  ratelimited: (f) =>
    `Slack rate-limited the app again after the wait it asked for${f.retryAfter !== undefined ? ` (Retry-After ${formatDuration(f.retryAfter * 1000)})` : ''}: too many messages from this app; try again later`,
  message_not_found: () => 'the message posted at start is gone (deleted?)',
  cant_update_message: () => 'the message posted at start was not posted by this app (another token?)',
  edit_window_closed: () => "the workspace's edit window for messages has closed",
};

/** Slack's answer or the network's, in words. */
export function describeFailure(f: ApiFailure): string {
  if (f.error) return f.error;
  if (f.status !== undefined) return `HTTP ${f.status}`;
  if (f.code === 'TIMEOUT') return 'no answer';
  return `network error ${f.code ?? ''}`.trim();
}

/** The error for a refused call: what Slack said, and how to fix it. */
export function refusal(method: string, f: ApiFailure, channel: string): SlackApiError {
  const hint = f.error ? API_HINTS[f.error]?.(f, channel) : undefined;
  const said = `Slack refused ${method} (${describeFailure(f)})`;
  return new SlackApiError(hint ? `${said}: ${hint}` : said, f.error);
}
