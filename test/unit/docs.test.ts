import assert from 'node:assert/strict';
import { compileSchema } from '../../common/settings.ts';
import { END, START, syncDocs, withTable } from '../../scripts/docs.ts';
import { loadSchema, PLUGINS } from '../../scripts/plugins.ts';

describe('docs generated from the schemas', () => {
  it('every plugin README holds the table rendered from its schema (run npm run docs)', async () => {
    assert.deepEqual(await syncDocs(false), []);
  });

  it('every setting has a description that says something', async () => {
    for (const name of PLUGINS) {
      for (const [key, spec] of Object.entries((await loadSchema(name)).properties)) {
        assert.ok(
          spec.description && spec.description.length >= 15,
          `${name}: setting "${key}" needs a description`,
        );
      }
    }
  });

  it('every schema compiles under ajv strict mode', async () => {
    for (const name of PLUGINS) compileSchema(await loadSchema(name));
  });

  it('detects drift and missing markers', () => {
    const readme = `# x\n${START}\nold table\n${END}\nrest`;
    assert.equal(withTable(readme, 'new table', 'x'), `# x\n${START}\nnew table\n${END}\nrest`);
    assert.throws(
      () => withTable('# no markers', 't', 'plugins/x/README.md'),
      /plugins\/x\/README.md: the markers/,
    );
  });
});
