// The app-mode variant of examples/.drone.yml is the file with its app-mode comments taken at
// their word (app-mode.ts): these checks hold it to what the comments promise.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { appModePipeline } from './app-mode.ts';
import { PIPELINE_FILE } from './pipeline.ts';

type Doc = { name: string; steps: { name: string; settings: Record<string, unknown> }[] };
const pipelines = (text: string) =>
  Object.fromEntries(parseAllDocuments(text).map((d) => [(d.toJS() as Doc).name, d.toJS() as Doc]));

describe('examples/.drone.yml in app mode (its comments uncommented)', () => {
  const original = readFileSync(PIPELINE_FILE, 'utf8');
  const app = pipelines(appModePipeline(original));
  const before = pipelines(original);

  it('announces the deploy before it starts, with the bot token', () => {
    assert.deepEqual(
      app.deploy?.steps.map((s) => s.name),
      ['assets', 'announce', 'deploy', 'notify'],
    );
    assert.deepEqual(app.deploy?.steps[1]?.settings, {
      token: { from_secret: 'slack_bot_token' },
      channel: 'deploys',
      phase: 'start',
    });
  });

  it('finishes with the token instead of the webhook, in a thread, mentioning the author', () => {
    const notify = app.deploy?.steps.find((s) => s.name === 'notify')?.settings ?? {};
    assert.equal(notify.webhook, undefined);
    assert.deepEqual(notify.token, { from_secret: 'slack_bot_token' });
    assert.equal(notify.thread, true);
    assert.equal(notify.mention_author, true);
    assert.equal(notify.channel, 'deploys');
  });

  it('changes nothing else', () => {
    assert.deepEqual(app.rollback, before.rollback);
    const same = (d: Doc | undefined) => d?.steps.filter((s) => s.name === 'assets' || s.name === 'deploy');
    assert.deepEqual(same(app.deploy), same(before.deploy));
  });

  it('says what moved when the comments no longer match', () => {
    assert.throws(
      () => appModePipeline(original.replace('# - name: announce', '# - name: herald')),
      /the commented announce step not found/,
    );
  });
});
