// The app mode (`token`): Slack's Web API, so that a deploy is one message that updates itself.
//  - phase start: post "Deploying…" and remember where (message_file);
//  - phase finish: update the remembered message with the result, or post one when there is
//    none; then, with `thread`, the details as a reply (also to the channel on failure).
// A failed chat.update is reported, never followed by a new post: that would be a second copy.
import type { BuildContext } from '../../common/ci.ts';
import { errorMessage } from '../../common/errors.ts';
import { type ApiDeps, createSlackApi, type SlackApi } from './api-client.ts';
import { SlackApiError } from './api-errors.ts';
import { mentionAuthor } from './author.ts';
import { type ComposeDeps, composeMessage } from './compose.ts';
import { type MessageRef, readMessageRef, writeMessageRef } from './message-ref.ts';
import { prepareMessage, settleSlackFailure } from './outcome.ts';
import type { SlackPayload } from './payload.ts';
import type { Settings, Target } from './settings.ts';
import { buildStartMessage } from './start-message.ts';
import type { Decision } from './status.ts';
import { buildThreadReply } from './thread.ts';

export type AppDeps = ApiDeps & ComposeDeps;
type AppTarget = Extract<Target, { mode: 'app' }>;

function openApi(s: Settings, t: AppTarget, deps: AppDeps): SlackApi {
  const session = {
    token: t.token,
    apiUrl: t.apiUrl,
    channelLabel: t.channel,
    timeoutMs: s.timeoutMs,
    cancelGraceMs: s.cancelGraceMs,
  };
  return createSlackApi(session, deps);
}

/** Where Slack put a posted message: the channel's ID and the ts. */
function refOf(answer: Record<string, unknown>, ctx: BuildContext): MessageRef {
  const { channel, ts } = answer;
  if (typeof channel !== 'string' || typeof ts !== 'string')
    throw new SlackApiError(
      'Slack answered chat.postMessage without the channel and ts of the message',
      undefined,
    );
  return { channel, ts, build: ctx.build.number };
}

async function post(
  api: SlackApi,
  payload: SlackPayload,
  channel: string,
  ctx: BuildContext,
): Promise<MessageRef> {
  return refOf(await api('chat.postMessage', { ...payload, channel }), ctx);
}

/** phase: start — post "Deploying…" and remember it for finish. */
export async function announceStart(
  s: Settings,
  t: AppTarget,
  ctx: BuildContext,
  deps: AppDeps,
): Promise<void> {
  const api = openApi(s, t, deps);
  const payload = prepareMessage(buildStartMessage(ctx, deps.now()), deps.log);
  deps.log.info(`posting the start message to Slack (${t.channel})`);
  await settleSlackFailure(s.fail_on_error, deps, async () => {
    const ref = await post(api, payload, t.channel, ctx);
    writeMessageRef(s.message_file, ref);
    deps.log.info(`posted to Slack (ts ${ref.ts}); remembered in ${s.message_file} for the finish step`);
  });
}

async function update(api: SlackApi, ref: MessageRef, payload: SlackPayload): Promise<void> {
  const { text, attachments, blocks, link_names } = payload;
  try {
    await api('chat.update', {
      channel: ref.channel,
      ts: ref.ts,
      text,
      attachments,
      blocks: blocks ?? [],
      link_names,
    });
  } catch (err) {
    if (!(err instanceof SlackApiError)) throw err;
    throw new SlackApiError(
      `${err.message}; not posting a new message instead, which would be a second copy of this deploy's`,
      err.error,
    );
  }
}

/** Updates the remembered message, or posts one (and remembers it); returns where it is. */
async function placeMessage(
  s: Settings,
  t: AppTarget,
  ctx: BuildContext,
  found: MessageRef | undefined,
  io: { api: SlackApi; payload: SlackPayload; deps: AppDeps },
): Promise<MessageRef> {
  const { api, payload, deps } = io;
  if (found) {
    await update(api, found, payload);
    deps.log.info(`updated the Slack message posted at start (ts ${found.ts})`);
    return found;
  }
  const ref = await post(api, payload, t.channel, ctx);
  deps.log.info(`posted to Slack (ts ${ref.ts})`);
  try {
    writeMessageRef(s.message_file, ref);
  } catch (err) {
    deps.log.warn(errorMessage(err));
  }
  return ref;
}

/** phase: finish — the result, in the message start posted or a new one, and the thread. */
export async function finishByApp(
  s: Settings,
  t: AppTarget,
  ctx: BuildContext,
  decision: Decision,
  deps: AppDeps,
): Promise<void> {
  const lookup = readMessageRef(s.message_file, ctx.build.number);
  if (!decision.notify && !lookup.found) {
    deps.log.info(`not posting to Slack: ${decision.reason}`);
    return;
  }
  if (!lookup.found) deps.log.info(`posting a new message: ${lookup.why}`);
  else if (!decision.notify) deps.log.info(`updating the start message, though ${decision.reason}`);
  const found = lookup.found ? lookup.ref : undefined;
  const api = openApi(s, t, deps);
  await settleSlackFailure(s.fail_on_error, deps, async () => {
    const author =
      s.mention_author && decision.status === 'failure' ? await mentionAuthor(ctx, api, deps.log) : '';
    const composed = await composeMessage(s, ctx, decision, deps, author);
    if (!composed) return;
    const ref = await placeMessage(s, t, ctx, found, {
      api,
      payload: prepareMessage(composed, deps.log),
      deps,
    });
    const reply = s.thread ? buildThreadReply(s, ctx, decision, deps.now()) : undefined;
    if (!reply) return;
    const broadcast = decision.status === 'failure';
    await api('chat.postMessage', {
      ...prepareMessage(reply, deps.log),
      channel: ref.channel,
      thread_ts: ref.ts,
      reply_broadcast: broadcast,
    });
    deps.log.info(`posted the details in its thread${broadcast ? ', also sent to the channel' : ''}`);
  });
}
