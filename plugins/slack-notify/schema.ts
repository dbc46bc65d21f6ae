// slack-notify's settings. Names follow plugins/slack (drone-slack).
import type { PluginSchema } from '../../common/schema.ts';
import { DEFAULT_SUMMARY_FILE } from '../../common/summary.ts';

/** A path in the workspace: one line, not a URL. */
const WORKSPACE_FILE = '^(?![A-Za-z][A-Za-z0-9+.-]*://)[^\\r\\n]+$';

export const schema = {
  plugin: 'slack-notify',
  description:
    'Tell the team on Slack what the build did: status, commit, deploy details, and how to roll back.',
  properties: {
    webhook: {
      type: 'string',
      secret: true,
      env: ['SLACK_WEBHOOK'],
      format: 'uri',
      expected: 'a Slack incoming-webhook URL (https://hooks.slack.com/services/...)',
      description:
        'Slack incoming-webhook URL (https; http only for a local address such as 127.0.0.1). Set this or `token`.',
    },
    token: {
      type: 'string',
      secret: true,
      env: ['SLACK_TOKEN'],
      pattern: '^xox[a-z]-[A-Za-z0-9-]+$',
      expected: "a Slack app's bot token (xoxb-...)",
      description:
        "A Slack app's bot token (xoxb-…, scopes chat:write, and users:read.email for mention_author): posts with the Web API, so that one message per deploy can be updated and threaded. Set this or `webhook`.",
    },
    api_url: {
      type: 'string',
      format: 'uri',
      default: 'https://slack.com/api/',
      expected: "the base URL of Slack's Web API, such as https://slack.com/api/",
      description:
        "With `token`: where Slack's Web API is (its methods are called under it). Change it only for a proxy or a test server.",
    },
    phase: {
      type: 'string',
      enum: ['start', 'finish'] as const,
      default: 'finish',
      description:
        'With `token`: `start` posts "Deploying…" and remembers the message; `finish` updates the remembered message with the result, or posts one when there is none.',
    },
    thread: {
      type: 'boolean',
      default: false,
      description:
        "With `token`: post the details (each cluster's result, failed steps and checks, the rollback command) as a thread reply under the message; on failure it is also sent to the channel.",
    },
    mention_author: {
      type: 'boolean',
      default: false,
      description:
        "With `token`, when the build failed: mention the commit's author, found by email (users.lookupByEmail); an unknown email falls back to the author's name.",
    },
    message_file: {
      type: 'string',
      default: '.drone-slack-message.json',
      pattern: WORKSPACE_FILE,
      expected: 'a file path in the workspace, such as .drone-slack-message.json',
      description:
        'With `token`: the file in the workspace where `start` remembers its message (channel and ts) for `finish`, across containers.',
    },
    channel: {
      type: 'string',
      pattern: '^[#@]?[^\\s#@]+$',
      expected: 'a channel such as #deploys',
      description:
        'Channel to post to: with `token` required (a name such as #deploys, or an ID); with a webhook, when it allows overriding it.',
    },
    username: {
      type: 'string',
      pattern: '^[^\\r\\n]{1,80}$',
      expected: 'one line of at most 80 characters',
      description: 'Name to post as, when the webhook allows overriding it.',
    },
    icon_url: {
      type: 'string',
      format: 'uri',
      expected: 'an https:// URL',
      description: 'Image URL of the avatar to post with, when the webhook allows overriding it.',
    },
    icon_emoji: {
      type: 'string',
      pattern: '^:[\\w+-]+:$',
      expected: 'an emoji such as :rocket:',
      description: 'Emoji to post with as the avatar, when the webhook allows overriding it.',
    },
    template: {
      type: 'string',
      pattern: '\\S',
      expected: 'a handlebars template, or the path of a file holding one',
      description:
        "A drone-slack handlebars template, inline or a file path (repo.*, build.*, job.* and drone-slack's helpers). Without it, a Block Kit message.",
    },
    color: {
      type: 'string',
      pattern: '^(#[0-9a-fA-F]{6}|good|warning|danger)$',
      expected: 'a hex colour such as #36a64f, or good, warning or danger',
      description: 'Attachment colour. Default: by status (green success, red failure, blue fixed).',
    },
    link_names: {
      type: 'boolean',
      default: false,
      description: 'Turn @names and #channels in the text into links and mentions.',
    },
    mentions: {
      type: 'array',
      items: {
        type: 'string',
        pattern: '^(@[\\w.-]+|<[@!][^>]+>|[UWS][A-Z0-9]+)$',
        expected: 'a user or group ID (U…, S…), <!here>, <!channel>, or an @name',
      },
      default: [],
      expected: 'Slack mentions such as @oncall, <!here> or a user ID like U012ABCDEF',
      description:
        'Who to mention when the build failed: user or group IDs (U…, S…), <!here>, <!channel>, or @names (then link_names is turned on).',
    },
    notify_on: {
      type: 'array',
      items: { type: 'string', enum: ['success', 'failure', 'fixed', 'always'] as const },
      minItems: 1,
      default: ['always'],
      description:
        'When to post: success (includes fixed), failure, fixed (success after a failed build) or always.',
    },
    deploy_summary: {
      type: 'string',
      default: DEFAULT_SUMMARY_FILE,
      pattern: WORKSPACE_FILE,
      expected: `a file path in the workspace, such as ${DEFAULT_SUMMARY_FILE}`,
      description:
        'Path of the summary file gke-deploy and rollback write; its deploy details go into the message.',
    },
    fail_on_error: {
      type: 'boolean',
      default: true,
      description: 'Fail the step when Slack cannot be reached; when false, only warn.',
    },
    debug: {
      type: 'boolean',
      default: false,
      description: 'Print the message sent to Slack (secrets masked) and stack traces of errors.',
    },
    timeout: {
      type: 'string',
      format: 'duration',
      default: '30s',
      expected: 'a duration such as 30s or 2m',
      description: 'Overall time for delivering the message, retries included.',
    },
    cancel_grace: {
      type: 'string',
      format: 'duration',
      default: '5s',
      expected: 'a duration such as 5s',
      description:
        "After SIGTERM or SIGINT (a cancelled build, `docker stop`): how long the post already sent may still take to be answered; no post is started or retried after the signal. Past it the post is given up, and Slack may have posted it. Keep it below the runner's grace (10 s for `docker stop`).",
    },
  },
} satisfies PluginSchema;
