// slack-notify run by Woodpecker, with the variables Woodpecker gives a plugin step: its own
// CI_* (woodpecker-ci/woodpecker pipeline/frontend/metadata/environment.go; CI_PIPELINE_STATUS
// from pipeline/runtime/step.go) and the Drone-compatibility copies, among them
// DRONE_BUILD_STATUS hard-coded to "success" (pipeline/frontend/metadata/drone_compatibility.go).
// A failed pipeline must reach the Slack sink as a failure.
import assert from 'node:assert/strict';
import { useTestbed } from '../../testbed/hooks.ts';
import { clearSlack } from '../../testbed/servers/client.ts';
import type { TestbedState } from '../../testbed/state.ts';
import { onlyMessage, runPlugin } from '../slack-notify/harness.ts';

const WOODPECKER_STEP: Readonly<Record<string, string>> = {
  CI: 'woodpecker',
  CI_SYSTEM_NAME: 'woodpecker',
  CI_SYSTEM_URL: 'https://ci.example.com',
  CI_REPO: 'acme/web',
  CI_REPO_OWNER: 'acme',
  CI_REPO_NAME: 'web',
  CI_REPO_URL: 'https://git.example.com/acme/web',
  CI_COMMIT_SHA: '0123456789abcdef0123456789abcdef01234567',
  CI_COMMIT_BRANCH: 'main',
  CI_COMMIT_MESSAGE: 'Break the build',
  CI_COMMIT_AUTHOR: 'octocat',
  CI_PIPELINE_NUMBER: '12',
  CI_PIPELINE_EVENT: 'push',
  CI_PIPELINE_URL: 'https://ci.example.com/repos/7/pipeline/12',
  CI_PIPELINE_STARTED: '1722617520',
  CI_STEP_NAME: 'notify',
  // The compatibility layer's copies.
  DRONE_REPO: 'acme/web',
  DRONE_COMMIT_SHA: '0123456789abcdef0123456789abcdef01234567',
  DRONE_BUILD_NUMBER: '12',
  DRONE_BUILD_EVENT: 'push',
  DRONE_BUILD_LINK: 'https://ci.example.com/repos/7/pipeline/12',
  DRONE_BUILD_STATUS: 'success',
};

describe('slack-notify under Woodpecker, at the Slack sink', function () {
  this.timeout(60_000);
  let tb: TestbedState;

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await useTestbed();
  });
  beforeEach(() => clearSlack(tb));

  const notify = async (extra: Record<string, string>) => {
    const r = await runPlugin({ ...WOODPECKER_STEP, PLUGIN_WEBHOOK: tb.slack.webhookUrl, ...extra });
    assert.equal(r.code, 0, r.output);
    return { r, body: (await onlyMessage(tb)) as { text: string } };
  };

  it('reports a failed pipeline (CI_PIPELINE_STATUS=failure) as failed, not the compat success', async () => {
    const { body } = await notify({ CI_PIPELINE_STATUS: 'failure' });
    assert.match(body.text, /^:x: \*Failed\*/);
    assert.match(body.text, /acme\/web/);
    assert.doesNotMatch(body.text, /Succeeded/);
  });

  it('reports a passing pipeline as succeeded, with the pipeline number', async () => {
    const { body } = await notify({ CI_PIPELINE_STATUS: 'success' });
    assert.match(body.text, /^:white_check_mark: \*Succeeded\*/);
    assert.match(JSON.stringify(body), /#12/);
  });

  it('warns when Woodpecker gives no status (before 3.15)', async () => {
    const { r } = await notify({});
    assert.match(r.stderr, /no CI_PIPELINE_STATUS/);
  });
});
