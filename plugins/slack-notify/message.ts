// The default message: a headline (top-level text, which is what notifications show and
// where mentions notify) and a coloured attachment of Block Kit blocks with the details.
import type { BuildStatus } from '../../common/ci.ts';
import { formatDuration } from '../../common/duration.ts';
import type { DeploySummary } from '../../common/summary.ts';
import { deployBlocks, deployHeadline } from './deploy.ts';
import type { BuildFacts } from './facts.ts';
import { LIMITS } from './limits.ts';
import { joinWithin } from './lists.ts';
import { code, escapeText, link, truncatePlain } from './mrkdwn.ts';
import { type Attachment, type Block, mrkdwn } from './payload.ts';

export const STATUS_LOOK: Record<BuildStatus, { emoji: string; word: string; color: string }> = {
  success: { emoji: ':white_check_mark:', word: 'Succeeded', color: '#2eb886' },
  failure: { emoji: ':x:', word: 'Failed', color: '#a30200' },
  fixed: { emoji: ':tada:', word: 'Fixed', color: '#1d9bd1' },
};

export interface DefaultMessageInput {
  facts: BuildFacts;
  deploy: DeploySummary | undefined;
  /** Mentions in Slack syntax, already formatted; only given when the build failed. */
  mentions: string;
  color: string | undefined;
  /** The details go in a thread reply (detailBlocks), not in the message. */
  detailsApart?: boolean;
}

export interface DefaultMessage {
  text: string;
  attachment: Attachment;
}

function refText(f: BuildFacts): string {
  if (!f.ref.name) return '';
  const name = truncatePlain(f.ref.name, 200);
  if (f.ref.kind === 'pull request') return `pull request ${escapeText(name)}`;
  return `${f.ref.kind} ${code(name)}`;
}

function headline(f: BuildFacts, deploy: DeploySummary | undefined, mentions: string): string {
  const look = STATUS_LOOK[f.status];
  const repo = link(f.repo.link, f.repo.slug || 'build');
  const build = f.build.number !== undefined ? ` ${link(f.build.link, `#${f.build.number}`)}` : '';
  const ref = refText(f);
  const where = ref ? ` on ${ref}` : '';
  const deployed = deploy ? ` · ${deployHeadline(deploy)}` : '';
  const who = mentions ? `${mentions} ` : '';
  return `${who}${look.emoji} *${look.word}*: ${repo}${build}${where}${deployed}`;
}

/** The plain-text summary Slack shows where it cannot show blocks (notifications, old clients). */
function fallback(f: BuildFacts, deploy: DeploySummary | undefined): string {
  const parts = [
    `${STATUS_LOOK[f.status].word}:`,
    f.repo.slug,
    f.build.number !== undefined ? `#${f.build.number}` : '',
    f.ref.name ? `(${f.ref.name})` : '',
    f.commit.author ? `by ${f.commit.author}` : '',
    deploy ? `- ${deployHeadline(deploy)}` : '',
  ];
  return parts.filter(Boolean).join(' ');
}

function field(label: string, value: string): ReturnType<typeof mrkdwn> {
  return mrkdwn(`*${label}*\n${value}`);
}

function detailFields(f: BuildFacts): Block | undefined {
  const fields = [];
  if (f.ref.name) {
    const label = f.ref.kind === 'pull request' ? 'Pull request' : f.ref.kind === 'tag' ? 'Tag' : 'Branch';
    fields.push(
      field(
        label,
        f.ref.kind === 'pull request' ? escapeText(f.ref.name) : code(truncatePlain(f.ref.name, 500)),
      ),
    );
  }
  if (f.commit.short)
    fields.push(field('Commit', f.commit.link ? link(f.commit.link, f.commit.short) : code(f.commit.short)));
  if (f.commit.author) fields.push(field('Author', escapeText(truncatePlain(f.commit.author, 500))));
  if (f.durationMs !== undefined) fields.push(field('Duration', formatDuration(f.durationMs)));
  if (f.build.event) fields.push(field('Event', escapeText(f.build.event)));
  if (f.build.deployTo) fields.push(field('Deploy target', code(truncatePlain(f.build.deployTo, 500))));
  return fields.length > 0 ? { type: 'section', fields } : undefined;
}

function listSection(label: string, items: readonly string[], noun: string): Block {
  const body = joinWithin(
    items.map((s) => code(truncatePlain(s, 200))),
    ', ',
    LIMITS.sectionText - label.length - 10,
    noun,
  );
  return { type: 'section', text: mrkdwn(`*${label}*\n${body}`) };
}

function contextBlock(f: BuildFacts): Block {
  const parts: string[] = [];
  if (f.build.link)
    parts.push(
      link(f.build.link, `Open build${f.build.number !== undefined ? ` #${f.build.number}` : ''} in Drone`),
    );
  if (f.started) {
    const iso = new Date(f.started * 1000).toISOString().replace('.000Z', 'Z');
    parts.push(`started <!date^${f.started}^{date_short_pretty} at {time}|${iso}>`);
  }
  return { type: 'context', elements: [mrkdwn(parts.join(' · ') || 'Drone')] };
}

/**
 * The details: the failed steps and stages, and the deploy (each cluster's result, the failed
 * checks, the rollback command). In the message itself, or in its thread (`thread`).
 */
export function detailBlocks(f: BuildFacts, deploy: DeploySummary | undefined): Block[] {
  const blocks: Block[] = [];
  if (f.status === 'failure' && f.failedSteps.length > 0)
    blocks.push(listSection('Failed steps', f.failedSteps, 'steps'));
  if (f.status === 'failure' && f.failedStages.length > 0)
    blocks.push(listSection('Failed stages', f.failedStages, 'stages'));
  if (deploy) blocks.push({ type: 'divider' }, ...deployBlocks(deploy));
  return blocks;
}

export function buildDefaultMessage(input: DefaultMessageInput): DefaultMessage {
  const { facts: f, deploy } = input;
  const blocks: Block[] = [];
  const details = detailFields(f);
  if (details) blocks.push(details);
  if (f.commit.title) {
    // The first line only: a commit body can be long, and the link leads to the rest.
    blocks.push({ type: 'section', text: mrkdwn(`>${escapeText(truncatePlain(f.commit.title, 1000))}`) });
  }
  if (!input.detailsApart) blocks.push(...detailBlocks(f, deploy));
  blocks.push(contextBlock(f));
  return {
    text: headline(f, deploy, input.mentions),
    attachment: {
      color: input.color ?? STATUS_LOOK[f.status].color,
      fallback: fallback(f, deploy),
      blocks,
    },
  };
}
