// The message `phase: start` posts before the deploy, which `finish` later replaces with the
// result: "Deploying acme/web #42 (v1.4.2) to production…" with the commit's first line.
import type { BuildContext } from '../../common/ci.ts';
import { collectFacts } from './facts.ts';
import { code, escapeText, link, truncatePlain } from './mrkdwn.ts';
import { mrkdwn, type SlackPayload } from './payload.ts';

const IN_PROGRESS_COLOR = '#9e9e9e';

export function buildStartMessage(ctx: BuildContext, nowMs: number): SlackPayload {
  const f = collectFacts(ctx, 'success', nowMs);
  const repo = link(f.repo.link, f.repo.slug || 'build');
  const build = f.build.number !== undefined ? ` ${link(f.build.link, `build #${f.build.number}`)}` : '';
  const version = ctx.tag || f.commit.short;
  const what = version ? ` (${code(version)})` : '';
  const where = f.build.deployTo ? ` to ${code(truncatePlain(f.build.deployTo, 200))}` : '';
  const text = `:hourglass_flowing_sand: *Deploying* ${repo}${build}${what}${where}…`;
  const blocks = f.commit.title
    ? [{ type: 'section' as const, text: mrkdwn(`>${escapeText(truncatePlain(f.commit.title, 1000))}`) }]
    : [];
  const fallback = [
    `Deploying ${f.repo.slug}`,
    f.build.number !== undefined ? `#${f.build.number}` : '',
    version,
  ]
    .filter(Boolean)
    .join(' ');
  return {
    text,
    attachments: [{ color: IN_PROGRESS_COLOR, fallback, blocks }],
    unfurl_links: false,
    unfurl_media: false,
  };
}
