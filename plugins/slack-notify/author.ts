// mention_author: the commit's author as a Slack mention, found by email (users.lookupByEmail).
// An email Slack does not know, or a lookup Slack refuses, falls back to the author's name in
// plain text: a missing mention never stops the message. A cancelled run still stops.
import { CancelledError } from '../../common/cancel.ts';
import type { BuildContext } from '../../common/ci.ts';
import { errorMessage } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import type { SlackApi } from './api-client.ts';
import { escapeText, truncatePlain } from './mrkdwn.ts';

function nameOf(ctx: BuildContext): string {
  const { name, username } = ctx.commit.author;
  return escapeText(truncatePlain(name || username, 100));
}

/** `<@U…>` for the author, else their name, else '' (nothing known about the author). */
export async function mentionAuthor(ctx: BuildContext, api: SlackApi, log: Logger): Promise<string> {
  const { email } = ctx.commit.author;
  if (!email) {
    log.info('mention_author: the commit has no author email (DRONE_COMMIT_AUTHOR_EMAIL); naming the author');
    return nameOf(ctx);
  }
  try {
    const answer = await api('users.lookupByEmail', { email });
    const id = (answer.user as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string' && /^[UW][A-Z0-9]+$/.test(id)) return `<@${id}>`;
    log.warn(`mention_author: Slack's answer for ${email} has no user ID; naming the author`);
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    if ((err as { error?: string }).error === 'users_not_found') {
      log.info(`mention_author: no Slack user has the email ${email}; naming the author instead`);
    } else {
      log.warn(`mention_author: ${errorMessage(err)}; naming the author instead`);
    }
  }
  return nameOf(ctx);
}
