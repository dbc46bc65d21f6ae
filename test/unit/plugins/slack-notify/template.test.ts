// drone-slack templates render the text drone-slack sends (fixtures with their sources in
// test/fixtures/slack-notify/drone-slack-templates.yml), without its escaping defect.
import assert from 'node:assert/strict';
import { deriveStatus, readBuildContext } from '../../../../common/ci.ts';
import { checkTemplate, renderTemplate, TemplateError } from '../../../../plugins/slack-notify/template.ts';
import { buildTemplateData } from '../../../../plugins/slack-notify/template-data.ts';
import { loadTemplateCases } from './fixtures.ts';

const NOW = Date.UTC(2019, 0, 1, 12, 0, 0); // an hour after DRONE_BUILD_STARTED in the fixtures

async function render(template: string, env: Record<string, string>): Promise<string> {
  const ctx = readBuildContext(env);
  const status = deriveStatus(ctx) === 'failure' ? 'failure' : 'success';
  return renderTemplate(template, buildTemplateData(ctx, status, NOW), { now: () => NOW });
}

describe('slack-notify drone-slack templates', () => {
  for (const c of loadTemplateCases()) {
    it(`renders as drone-slack does: ${c.name}`, async () => {
      const template = c.settings.PLUGIN_TEMPLATE;
      assert.ok(template, 'the fixture has a template');
      assert.equal(await render(template, c.env), c.expected);
      if (c.drone_slack !== undefined) assert.notEqual(c.drone_slack, c.expected, 'a fixed defect differs');
    });
  }

  it('prints Go structs as drone-slack does, and finds capitalised Go field names', async () => {
    const env = {
      DRONE_COMMIT_AUTHOR: 'octocat',
      DRONE_COMMIT_AUTHOR_NAME: 'The Octocat',
      DRONE_COMMIT_MESSAGE: 'Title line  \n\n  body text\n',
      DRONE_BUILD_NUMBER: '7',
    };
    assert.equal(
      await render(
        '{{build.author}}|{{build.author.name}}|{{Build.Number}}|{{build.message.title}}|{{build.message.body}}',
        env,
      ),
      'octocat|The Octocat|7|Title line|body text',
    );
    // Unset numbers are 0 and drone-slack's defaults apply, as with its CLI flags.
    assert.equal(
      await render('{{build.parent}} {{build.event}} {{build.branch}} {{job.started}}', {}),
      '0 push master 0',
    );
  });

  it('leaves triple-stash values raw, as raymond does', async () => {
    assert.equal(
      await render('{{{build.message}}} {{build.message}}', { DRONE_COMMIT_MESSAGE: '<b>' }),
      '<b> &lt;b&gt;',
    );
  });

  it('offers the helpers with their Go semantics', async () => {
    const env = {
      DRONE_BUILD_STARTED: '1546340400',
      DRONE_BUILD_FINISHED: '1546341015',
      DRONE_COMMIT_MESSAGE: 'a b/c',
    };
    assert.equal(await render('{{since build.started}}', env), '1h0m0s');
    assert.equal(await render('{{duration build.started build.finished}}', env), '10m15s');
    assert.equal(
      await render('{{datetime build.started "Mon Jan _2 15:04:05 MST 2006" "UTC"}}', env),
      'Tue Jan  1 11:00:00 UTC 2019',
    );
    assert.equal(await render('{{#urlencode}}{{build.message}}{{/urlencode}}', env), 'a+b%2Fc');
    assert.equal(
      await render('{{#equal build.number 42}}yes{{else}}no{{/equal}}', { DRONE_BUILD_NUMBER: '42' }),
      'yes',
    );
    assert.equal(
      await render('{{#equal build.number 41}}yes{{else}}no{{/equal}}', { DRONE_BUILD_NUMBER: '42' }),
      '',
    );
    assert.equal(await render('{{regexReplace "(.*?)\\/(.*)" build.message "$2-$1"}}', env), 'c-a b');
  });

  it('reports a template error naming the problem, and a helper it does not have', async () => {
    assert.match((await checkTemplate('{{#if build.status}}open')) ?? '', /Parse error|Expecting/);
    assert.equal(await checkTemplate('{{build.status}}'), undefined);
    await assert.rejects(render('{{toJson build}}', {}), (err: Error) => {
      assert.ok(err instanceof TemplateError);
      assert.match(err.message, /^template: Missing helper: "toJson".*drone-slack's: success, failure/);
      return true;
    });
    await assert.rejects(
      render('{{truncate build.message "x"}}', {}),
      /truncate: the length must be a whole number/,
    );
  });

  it('restores handlebars HTML escaping after rendering (no global change left behind)', async () => {
    await render('{{build.message}}', { DRONE_COMMIT_MESSAGE: "it's" });
    const hb = (await import('handlebars')).default;
    assert.equal(hb.compile('{{x}}')({ x: "it's" }), 'it&#x27;s');
  });
});
