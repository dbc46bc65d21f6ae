// The thread reply of `thread`: the details the message leaves out (the failed steps and
// stages, each cluster's result, the failed checks with their values, the rollback command),
// in an attachment of the message's colour. Nothing to say, no reply.
import type { BuildContext } from '../../common/ci.ts';
import { collectFacts } from './facts.ts';
import { detailBlocks, STATUS_LOOK } from './message.ts';
import type { SlackPayload } from './payload.ts';
import type { Settings } from './settings.ts';
import type { Decision } from './status.ts';

export function buildThreadReply(
  s: Settings,
  ctx: BuildContext,
  decision: Decision,
  nowMs: number,
): SlackPayload | undefined {
  const facts = collectFacts(ctx, decision.status, nowMs);
  const blocks = detailBlocks(facts, s.deploy);
  if (blocks[0]?.type === 'divider') blocks.shift();
  if (blocks.length === 0) return undefined;
  const number = facts.build.number !== undefined ? ` #${facts.build.number}` : '';
  return {
    text: `Details of build${number}`,
    attachments: [
      {
        color: s.color ?? STATUS_LOOK[decision.status].color,
        fallback: `Details of ${facts.repo.slug}${number}`,
        blocks,
      },
    ],
    unfurl_links: false,
    unfurl_media: false,
  };
}
