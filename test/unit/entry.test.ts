// The shared entry, run in-process with a fixture plugin (test-only, so that success and
// failure paths exist before the real plugins do), and every real plugin's entry.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { PluginModule } from '../../common/entry.ts';
import { PluginError } from '../../common/errors.ts';
import { readSettings } from '../../common/plugin.ts';
import type { PluginSchema } from '../../common/schema.ts';
import { loadSchema, PLUGINS } from '../../scripts/plugins.ts';
import { assertNoLeaks, makeCanaries, runInProcess, serviceAccountShape } from '../helpers/canary.ts';

const fixture = {
  plugin: 'fixture',
  description: 'a plugin for tests',
  properties: {
    token: { type: 'string', secret: true, env: ['TOKEN'], description: 'credentials' },
    count: { type: 'integer', minimum: 1, default: 1, description: 'how many' },
    fail: { type: 'boolean', default: false, description: 'fail on purpose' },
  },
} satisfies PluginSchema;

const fixtureModule: PluginModule = {
  async run(env, deps) {
    const log = deps?.log;
    assert.ok(log);
    const s = readSettings<{ token?: string; count: number; fail: boolean }>(fixture, env, log);
    // A careless plugin: logs and throws with the secret inside. The masker must catch both.
    log.info(`working ${s.count} times with ${s.token}`);
    if (s.fail) throw new PluginError(`remote refused credentials ${JSON.stringify(s.token)}`);
  },
};

describe('entry (top-level handler)', () => {
  const canaries = makeCanaries(fixture, { token: serviceAccountShape });

  it('succeeds with exit 0 and masks secrets in what the plugin logs', async () => {
    const r = await runInProcess(fixture, async () => fixtureModule, { ...canaries.env, PLUGIN_COUNT: '2' });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /working 2 times with \*\*\*/);
    assertNoLeaks(r.output, canaries.secrets);
  });

  it('fails with "<plugin> failed: <message>", exit 1, secrets masked', async () => {
    const r = await runInProcess(fixture, async () => fixtureModule, {
      ...canaries.env,
      PLUGIN_FAIL: 'true',
    });
    assert.equal(r.code, 1);
    assert.match(r.output, /^fixture failed: remote refused credentials "\*\*\*"$/m);
    assertNoLeaks(r.output, canaries.secrets);
  });

  it('a cancelled run exits 128+signal, also when the plugin returns normally after the signal', async () => {
    const { main } = await import('../../common/entry.ts');
    const { CancelledError } = await import('../../common/cancel.ts');
    const { createLogger, memorySink } = await import('../../common/log.ts');
    for (const [sig, code, throws] of [
      ['SIGTERM', 143, false],
      ['SIGINT', 130, true],
    ] as const) {
      const sink = memorySink();
      const stop = new AbortController();
      stop.abort(new CancelledError(sig));
      const before = process.exitCode;
      const r = await main({
        schema: fixture,
        env: {},
        argv: [],
        cancellable: true,
        deps: { log: createLogger({ sink }), signal: stop.signal },
        load: async () => ({
          async run() {
            if (throws) throw new PluginError('kubectl was stopped');
          },
        }),
      });
      process.exitCode = before;
      assert.equal(r, code, sink.text());
      assert.match(sink.text(), new RegExp(`^fixture cancelled by ${sig}`, 'm'));
    }
  });

  it('a run whose promise is dropped unsettled exits 1 with a message, not 0', () => {
    // A child process: what is tested is how Node ends when nothing is left to do.
    const script = [
      "import { main } from './common/entry.ts';",
      "void main({ schema: { plugin: 'fixture', description: 'x', properties: {} }, env: {}, argv: [],",
      '  load: async () => ({ run: () => new Promise(() => {}) }) });',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      encoding: 'utf8',
    });
    assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /^fixture failed: it stopped before finishing \(an operation never answered\)/m);
  });

  it('reports settings errors with a pointer to --help', async () => {
    const r = await runInProcess(fixture, async () => fixtureModule, {
      ...canaries.env,
      PLUGIN_COUNT: 'many',
    });
    assert.equal(r.code, 1);
    assert.match(
      r.output,
      /fixture failed: invalid setting:\n {2}- setting "count" \(PLUGIN_COUNT\): expected a whole number, got "many"/,
    );
    assert.match(r.output, /run with --help to list fixture's settings/);
    assertNoLeaks(r.output, canaries.secrets);
  });

  it('prints the settings table for --help, with exit 0, without loading the plugin', async () => {
    let loaded = false;
    const r = await runInProcess(
      fixture,
      async () => {
        loaded = true;
        return fixtureModule;
      },
      {},
      ['--help'],
    );
    assert.equal(r.code, 0);
    assert.equal(loaded, false);
    assert.match(r.output, /^ {2}count {2}\(PLUGIN_COUNT\)\n {6}integer, default 1\n {6}how many$/m);
    assert.match(r.output, /token {2}\(PLUGIN_TOKEN, TOKEN\)\n {6}string, secret/);
  });

  it('refuses unexpected arguments', async () => {
    const r = await runInProcess(fixture, async () => fixtureModule, {}, ['deploy']);
    assert.equal(r.code, 1);
    assert.match(r.output, /fixture failed: unexpected argument "deploy"/);
  });

  it('beforeLoad runs once, before the plugin loads, and not for --help or a stray argument', async () => {
    const { main } = await import('../../common/entry.ts');
    const { createLogger, memorySink } = await import('../../common/log.ts');
    for (const [argv, runs] of [
      [['--help'], false],
      [['deploy'], false],
      [[], true],
    ] as const) {
      const events: string[] = [];
      const before = process.exitCode;
      await main({
        schema: fixture,
        env: {},
        argv,
        deps: { log: createLogger({ sink: memorySink() }) },
        beforeLoad: () => events.push('beforeLoad'),
        load: async () => {
          events.push('load');
          return { async run() {} };
        },
      });
      process.exitCode = before;
      assert.deepEqual(events, runs ? ['beforeLoad', 'load'] : [], argv.join(' '));
    }
  });

  for (const name of PLUGINS) {
    it(`${name}: a bad setting gives exit 1 and a message naming it, secrets masked`, async () => {
      const schema = await loadSchema(name);
      const c = makeCanaries(schema, {
        token: serviceAccountShape,
        kubeconfig: (v) => `apiVersion: v1\ntoken: ${v}`,
      });
      const r = await runInProcess(
        schema,
        () => import(`../../plugins/${name}/main.ts`) as Promise<PluginModule>,
        {
          ...c.env,
          PLUGIN_NO_SUCH_SETTING: 'x',
          PLUGIN_DRY_RUN: 'perhaps',
          PLUGIN_FAIL_ON_ERROR: 'perhaps',
        },
      );
      assert.equal(r.code, 1);
      assert.match(r.output, new RegExp(`^${name} failed: `, 'm'));
      const named =
        /setting "(dry_run|fail_on_error)" \(PLUGIN_(DRY_RUN|FAIL_ON_ERROR)\): expected true or false, got "perhaps"/;
      assert.match(r.output, named);
      assert.match(r.output, /unknown setting "no_such_setting"/);
      assertNoLeaks(r.output, c.secrets);
    });
  }
});
