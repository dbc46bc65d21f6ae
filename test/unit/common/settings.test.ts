import assert from 'node:assert/strict';
import { SettingsError } from '../../../common/errors.ts';
import { Masker } from '../../../common/mask.ts';
import type { PluginSchema } from '../../../common/schema.ts';
import { loadSettings } from '../../../common/settings.ts';

const schema = {
  plugin: 'example',
  description: 'an example',
  properties: {
    token: { type: 'string', secret: true, env: ['TOKEN'], aliases: ['json_key'], description: 'a secret' },
    wait_seconds: { type: 'integer', minimum: 1, default: 300, description: 'seconds' },
    dry_run: { type: 'boolean', default: false, description: 'dry' },
    template: { type: 'array', items: { type: 'string' }, default: ['.kube.yml'], description: 'files' },
    vars: { type: 'object', default: {}, description: 'vars' },
    mode: { type: 'string', enum: ['warn', 'enforce'], default: 'warn', description: 'mode' },
    target: { type: 'string', pattern: '^[a-z]+/', expected: 'bucket/prefix', description: 'target' },
    timeout: {
      type: 'string',
      format: 'duration',
      expected: 'a duration such as 5m',
      description: 'timeout',
    },
  },
  required: ['target'],
} satisfies PluginSchema;

const load = (env: Record<string, string>, masker = new Masker()) =>
  loadSettings<Record<string, unknown>>(schema, env, { masker });
const errorOf = (env: Record<string, string>): SettingsError => {
  try {
    load(env);
  } catch (err) {
    assert.ok(err instanceof SettingsError, `expected a SettingsError, got ${err}`);
    return err;
  }
  assert.fail('expected the settings to be refused');
};

describe('loadSettings', () => {
  it('applies defaults and types values', () => {
    const { settings } = load({ PLUGIN_TARGET: 'b/p', PLUGIN_WAIT_SECONDS: '60', PLUGIN_VARS: '{"a":1}' });
    assert.deepEqual(settings, {
      target: 'b/p',
      wait_seconds: 60,
      vars: { a: 1 },
      dry_run: false,
      template: ['.kube.yml'],
      mode: 'warn',
    });
  });

  it('treats empty values as unset, so defaults apply (Drone drops empty settings)', () => {
    const { settings } = load({ PLUGIN_TARGET: 'b/p', PLUGIN_WAIT_SECONDS: '', PLUGIN_DRY_RUN: '' });
    assert.equal(settings.wait_seconds, 300);
    assert.equal(settings.dry_run, false);
  });

  it('reads a secret from PLUGIN_*, a setting alias, or an unprefixed env alias, in that order', () => {
    assert.equal(load({ PLUGIN_TARGET: 'b/', TOKEN: 'from-env' }).settings.token, 'from-env');
    assert.equal(
      load({ PLUGIN_TARGET: 'b/', PLUGIN_JSON_KEY: 'from-alias', TOKEN: 'x' }).settings.token,
      'from-alias',
    );
    const r = load({ PLUGIN_TARGET: 'b/', PLUGIN_TOKEN: 'plugin', PLUGIN_JSON_KEY: 'alias' });
    assert.equal(r.settings.token, 'plugin');
    assert.equal(r.sources.token, 'PLUGIN_TOKEN');
    assert.deepEqual(r.warnings, ['setting "token": PLUGIN_TOKEN is used, PLUGIN_JSON_KEY ignored']);
  });

  it('reports every problem at once, each naming the setting and its variable', () => {
    const err = errorOf({
      PLUGIN_WAIT_SECONDS: 'ten',
      PLUGIN_DRY_RUN: 'yes',
      PLUGIN_MODE: 'strict',
      PLUGIN_TIMEOUT: 'soon',
    });
    const text = err.message;
    assert.equal(err.issues.length, 5, text);
    assert.match(text, /setting "wait_seconds" \(PLUGIN_WAIT_SECONDS\): expected a whole number, got "ten"/);
    assert.match(text, /setting "dry_run" \(PLUGIN_DRY_RUN\): expected true or false, got "yes"/);
    assert.match(text, /setting "mode" \(PLUGIN_MODE\): expected one of: warn, enforce, got "strict"/);
    assert.match(text, /setting "timeout" \(PLUGIN_TIMEOUT\): expected a duration such as 5m, got "soon"/);
    assert.match(text, /setting "target" \(PLUGIN_TARGET\): is required/);
  });

  it('explains range and pattern failures with the expected form', () => {
    const err = errorOf({ PLUGIN_TARGET: 'Bad', PLUGIN_WAIT_SECONDS: '0' });
    assert.match(err.message, /"target" \(PLUGIN_TARGET\): expected bucket\/prefix, got "Bad"/);
    assert.match(err.message, /"wait_seconds" \(PLUGIN_WAIT_SECONDS\): must be >= 1, got "0"/);
  });

  it('names the alias variable that held a bad value', () => {
    const err = errorOf({ PLUGIN_TARGET: 'b/', PLUGIN_JSON_KEY: '', TOKEN: 'ok', PLUGIN_WAIT_SECONDS: 'x' });
    assert.equal(err.issues[0]?.variable, 'PLUGIN_WAIT_SECONDS');
  });

  it('refuses a near miss of a setting, naming the variable and the setting it resembles', () => {
    const err = errorOf({ PLUGIN_TARGET: 'b/', PLUGIN_WAIT_SECOND: '5' });
    assert.equal(err.issues.length, 1, err.message);
    assert.deepEqual(err.issues[0], {
      setting: 'wait_second',
      variable: 'PLUGIN_WAIT_SECOND',
      problem:
        'is not a setting of example; did you mean "wait_seconds" (PLUGIN_WAIT_SECONDS)? Rename it to "wait_seconds" in .drone.yml, or remove it',
    });
  });

  it('refuses a near miss of an alias too, and a name in the wrong case', () => {
    assert.match(errorOf({ PLUGIN_TARGET: 'b/', PLUGIN_JSON_KY: 'x' }).message, /did you mean "json_key"/);
    assert.match(
      errorOf({ PLUGIN_TARGET: 'b/', PLUGIN_dry_run: 'true' }).message,
      /setting "dry_run" \(PLUGIN_dry_run\): is not a setting of example; did you mean "dry_run" \(PLUGIN_DRY_RUN\)/,
    );
  });

  it('only warns about an unknown name that resembles no setting (Drone may pass global PLUGIN_* to every step)', () => {
    const { warnings } = load({ PLUGIN_TARGET: 'b/', PLUGIN_ZZZ_QQQ: '1', PLUGIN_SLACK_CHANNEL: '#x' });
    assert.deepEqual(warnings, [
      'unknown setting "slack_channel" (PLUGIN_SLACK_CHANNEL) is ignored',
      'unknown setting "zzz_qqq" (PLUGIN_ZZZ_QQQ) is ignored',
    ]);
  });

  it("only warns, with the hint, when the name is further off than a typo (tags and vars: likely another plugin's)", () => {
    const { warnings } = load({ PLUGIN_TARGET: 'b/', PLUGIN_DRY_R: 'x', PLUGIN_WAIT_SECS: '5' });
    assert.deepEqual(warnings, [
      'unknown setting "dry_r" (PLUGIN_DRY_R) is ignored; did you mean "dry_run" (PLUGIN_DRY_RUN)?',
      'unknown setting "wait_secs" (PLUGIN_WAIT_SECS) is ignored; did you mean "wait_seconds" (PLUGIN_WAIT_SECONDS)?',
    ]);
  });

  it('lists a near miss first, with the errors it probably caused, and never shows its value', () => {
    const err = errorOf({ PLUGIN_TARGT: 'b/p-canary-value', PLUGIN_DRY_RUN: 'yes' });
    assert.deepEqual(
      err.issues.map((i) => i.setting),
      ['targt', 'dry_run', 'target'],
    );
    assert.match(err.message, /"targt" \(PLUGIN_TARGT\): is not a setting of example; did you mean "target"/);
    assert.match(err.message, /"target" \(PLUGIN_TARGET\): is required/);
    assert.doesNotMatch(err.message, /canary-value/);
  });

  it('registers secrets with the masker before anything can fail, and never shows them in errors', () => {
    const masker = new Masker();
    const secret =
      '{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n"';
    assert.throws(
      () => load({ PLUGIN_TOKEN: secret, PLUGIN_WAIT_SECONDS: 'x' }, masker),
      (err: Error) => {
        assert.doesNotMatch(err.message, /MIIEvQ/);
        return true;
      },
    );
    assert.equal(masker.mask(`token=${secret}`), 'token=***');
  });

  it('runs the checks with the schema, and reports their problems in the same error', () => {
    const check = () => [
      { setting: 'dry_run', variable: 'PLUGIN_DRY_RUN', problem: 'not with mode enforce' },
    ];
    assert.throws(
      () => loadSettings(schema, { PLUGIN_TARGET: 'b/' }, { masker: new Masker(), check }),
      /setting "dry_run" \(PLUGIN_DRY_RUN\): not with mode enforce/,
    );
    assert.throws(
      () => loadSettings(schema, { PLUGIN_TARGET: 'Bad' }, { masker: new Masker(), check }),
      (err: SettingsError) => {
        assert.deepEqual(
          err.issues.map((i) => i.setting),
          ['target', 'dry_run'],
        );
        return true;
      },
    );
  });

  it('gives the checks only the settings that passed, and names those given but refused', () => {
    const seen: { settings: Record<string, unknown>; invalid: string[] }[] = [];
    const check = (settings: Record<string, unknown>, _source: unknown, invalid: ReadonlySet<string>) => {
      seen.push({ settings, invalid: [...invalid].sort() });
      return [];
    };
    assert.throws(() =>
      loadSettings<Record<string, unknown>>(
        schema,
        { PLUGIN_DRY_RUN: 'yes', PLUGIN_MODE: 'strict', PLUGIN_WAIT_SECONDS: '7' },
        { masker: new Masker(), check },
      ),
    );
    // Refused values are left out, defaults for them too; the missing "target" is not "invalid".
    assert.deepEqual(seen, [
      {
        settings: { wait_seconds: 7, template: ['.kube.yml'], vars: {} },
        invalid: ['dry_run', 'mode'],
      },
    ]);
  });

  it('reports nested problems with their position in the list', () => {
    const nested = {
      plugin: 'n',
      description: 'n',
      properties: {
        clusters: {
          type: 'array',
          description: 'c',
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, location: { type: 'string' } },
            required: ['name'],
            additionalProperties: false,
          },
        },
      },
    } satisfies PluginSchema;
    assert.throws(
      () =>
        loadSettings(
          nested,
          { PLUGIN_CLUSTERS: '[{"name":"a"},{"location":"x","zone":"y"}]' },
          { masker: new Masker() },
        ),
      (err: SettingsError) => {
        assert.match(err.message, /"clusters" \(PLUGIN_CLUSTERS\): item 2: missing key "name"/);
        assert.match(err.message, /"clusters" \(PLUGIN_CLUSTERS\): item 2: unknown key "zone"/);
        return true;
      },
    );
  });
});
