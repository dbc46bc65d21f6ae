// A real Woodpecker run: `woodpecker-cli exec` runs a pipeline whose first step fails and
// whose slack-notify step (`when: status: [success, failure]`) must report the failure at
// the testbed's Slack sink, although Woodpecker gives that step DRONE_BUILD_STATUS=success
// (woodpecker-ci/woodpecker pipeline/frontend/metadata/drone_compatibility.go) beside its own
// CI_PIPELINE_STATUS=failure (pipeline/runtime/step.go). Skipped without WOODPECKER_CLI.
import assert from 'node:assert/strict';
import { dockerRef } from '../drone/images.ts';
import { type PodmanService, startPodmanService } from '../drone/podman-service.ts';
import { onlyMessage } from '../e2e/slack-notify/harness.ts';
import { privateBundle } from '../helpers/bundle.ts';
import { useTestbed } from '../testbed/hooks.ts';
import { clearSlack } from '../testbed/servers/client.ts';
import type { TestbedState } from '../testbed/state.ts';
import { bundleFolder, execPipeline, woodpeckerCli, workspaceWith } from './exec.ts';

const pipeline = (bundle: string) => `
steps:
  - name: broken
    image: ${dockerRef('slack-notify')}
    settings:
      notify_on: sometimes
  - name: notify
    image: ${dockerRef('slack-notify')}
    network_mode: host
    volumes:
      - ${bundle}:/opt/plugin
    settings:
      webhook:
        from_secret: slack_webhook
    when:
      - status: [success, failure]
`;

describe('slack-notify in a real Woodpecker run (woodpecker-cli exec)', function () {
  this.timeout(600_000);
  const cli = woodpeckerCli();
  let tb: TestbedState;
  let service: PodmanService | undefined;

  before(async function () {
    if (!cli) this.skip();
    this.timeout(30 * 60_000);
    tb = await useTestbed();
    service = await startPodmanService();
  });
  after(() => service?.stop());

  it('reports the failed pipeline as failed', async () => {
    await clearSlack(tb);
    const ws = workspaceWith(pipeline(bundleFolder(await privateBundle('slack-notify'))));
    const r = await execPipeline(cli as string, {
      dockerHost: service?.dockerHost as string,
      workspace: ws,
      secrets: { slack_webhook: tb.slack.webhookUrl },
      flags: ['--pipeline-number', '12', '--pipeline-event', 'push'],
    });
    assert.notEqual(r.code, 0, r.output);
    const body = (await onlyMessage(tb)) as { text: string };
    assert.match(body.text, /^:x: \*Failed\*/, r.output);
    assert.match(r.output, /\[broken:L\d+:\d+s\] slack-notify failed/);
    assert.match(r.output, /\[notify:L\d+:\d+s\] posting the failure message to Slack/);
  });
});
