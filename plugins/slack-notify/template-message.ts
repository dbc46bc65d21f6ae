// The message for a drone-slack template: the rendered text in drone-slack's attachment, with
// its colour (good or danger) and its fallback line. handlebars and the template variables are
// loaded only here, so the default message never pays for them.
import type { BuildContext } from '../../common/ci.ts';
import type { Attachment } from './payload.ts';

export interface TemplateMessageInput {
  template: string;
  ctx: BuildContext;
  /** success or failure: a fixed build reads as success, as in drone-slack. */
  status: 'success' | 'failure';
  color: string | undefined;
  now: () => number;
}

export async function buildTemplateMessage(input: TemplateMessageInput): Promise<Attachment> {
  const [{ renderTemplate }, { buildTemplateData }] = await Promise.all([
    import('./template.ts'),
    import('./template-data.ts'),
  ]);
  const { ctx, status } = input;
  const text = await renderTemplate(input.template, buildTemplateData(ctx, status, input.now()), {
    now: input.now,
  });
  const sha = (ctx.commit.sha || '00000000').slice(0, 8);
  const branch = ctx.commit.branch || 'master';
  return {
    color: input.color ?? (status === 'success' ? 'good' : 'danger'),
    fallback: `${status} ${ctx.repo.owner}/${ctx.repo.name}#${sha} (${branch}) by ${ctx.commit.author.username}`,
    text,
    mrkdwn_in: ['text'],
  };
}
