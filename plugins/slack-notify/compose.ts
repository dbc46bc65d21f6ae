// The message for this build: drone-slack's attachment when a template is set, else the Block
// Kit default (its details left for the thread with `thread`); then the mentions (on failure
// only, the commit's author first with mention_author) and where and as whom to post it.
import type { BuildContext } from '../../common/ci.ts';
import type { Logger } from '../../common/log.ts';
import { collectFacts } from './facts.ts';
import { formatMentions, type Mentions } from './mentions.ts';
import { buildDefaultMessage } from './message.ts';
import type { SlackPayload } from './payload.ts';
import type { Settings } from './settings.ts';
import type { Decision } from './status.ts';
import { buildTemplateMessage } from './template-message.ts';

export interface ComposeDeps {
  log: Logger;
  now: () => number;
}

async function fromTemplate(
  template: string,
  s: Settings,
  ctx: BuildContext,
  decision: Decision,
  mentions: Mentions,
  deps: ComposeDeps,
): Promise<SlackPayload | undefined> {
  const attachment = await buildTemplateMessage({
    template,
    ctx,
    status: decision.status === 'failure' ? 'failure' : 'success',
    color: s.color,
    now: deps.now,
  });
  if (!attachment.text) {
    // Slack has nothing to show for an empty text (drone-slack would post an empty bar).
    deps.log.info('not posting to Slack: the template rendered no text for this build');
    return undefined;
  }
  return mentions.text ? { attachments: [attachment], text: mentions.text } : { attachments: [attachment] };
}

function byDefault(
  s: Settings,
  ctx: BuildContext,
  decision: Decision,
  mentions: Mentions,
  now: number,
): SlackPayload {
  const message = buildDefaultMessage({
    facts: collectFacts(ctx, decision.status, now),
    deploy: s.deploy,
    mentions: mentions.text,
    color: s.color,
    detailsApart: s.thread,
  });
  return { text: message.text, attachments: [message.attachment], unfurl_links: false, unfurl_media: false };
}

const NO_MENTIONS: Mentions = { text: '', needsLinkNames: false };

/** The commit's author first (mention_author), then the mentions setting. */
function withAuthor(mentions: Mentions, author: string): Mentions {
  if (!author) return mentions;
  return { ...mentions, text: mentions.text ? `${author} ${mentions.text}` : author };
}

/** The payload to post, or undefined when there is nothing to say (the template rendered nothing). */
export async function composeMessage(
  s: Settings,
  ctx: BuildContext,
  decision: Decision,
  deps: ComposeDeps,
  authorMention = '',
): Promise<SlackPayload | undefined> {
  const mentions =
    decision.status === 'failure' ? withAuthor(formatMentions(s.mentions), authorMention) : NO_MENTIONS;
  const payload =
    s.template !== undefined
      ? await fromTemplate(s.template, s, ctx, decision, mentions, deps)
      : byDefault(s, ctx, decision, mentions, deps.now());
  if (!payload) return undefined;
  const channel = s.target.mode === 'app' ? s.target.channel : s.channel;
  if (channel !== undefined) payload.channel = channel;
  if (s.username !== undefined) payload.username = s.username;
  if (s.icon_url !== undefined) payload.icon_url = s.icon_url;
  if (s.icon_emoji !== undefined) payload.icon_emoji = s.icon_emoji;
  if (s.link_names || mentions.needsLinkNames) payload.link_names = true;
  return payload;
}
