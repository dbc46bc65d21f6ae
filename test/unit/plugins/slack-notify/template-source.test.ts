import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveTemplate } from '../../../../plugins/slack-notify/template-source.ts';

describe('slack-notify template source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slack-notify-template-'));
  const file = join(dir, 'slack.hbs');
  writeFileSync(file, 'build {{build.number}}\n');

  it('reads a template from a path or a file:// URL, as drone-slack does', () => {
    assert.deepEqual(resolveTemplate(file), { ok: true, text: 'build {{build.number}}\n', file });
    assert.deepEqual(resolveTemplate(pathToFileURL(file).href), {
      ok: true,
      text: 'build {{build.number}}\n',
      file,
    });
  });

  it('takes anything else as the template itself, plain one-line text included', () => {
    assert.deepEqual(resolveTemplate('{{build.status}}'), { ok: true, text: '{{build.status}}' });
    assert.deepEqual(resolveTemplate('build done'), { ok: true, text: 'build done' });
  });

  it('says when a template file is missing, and refuses remote templates', () => {
    const missing = resolveTemplate('.drone/slack.hbs');
    assert.deepEqual(missing, { ok: false, problem: 'the template file ".drone/slack.hbs" does not exist' });
    const remote = resolveTemplate('https://example.com/slack.hbs');
    assert.equal(remote.ok, false);
    assert.match(remote.ok ? '' : remote.problem, /remote templates are not supported/);
    assert.deepEqual(resolveTemplate(dir), { ok: false, problem: `${JSON.stringify(dir)} is not a file` });
  });
});
