import assert from 'node:assert/strict';
import { SettingsError } from '../../../common/errors.ts';
import { createLogger, memorySink } from '../../../common/log.ts';
import { readResolvedSettings } from '../../../common/plugin.ts';
import type { PluginSchema } from '../../../common/schema.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    source: { type: 'string', description: 'a folder' },
    jobs: { type: 'integer', minimum: 1, default: 4, description: 'how many at once' },
  },
} as unknown as PluginSchema;

type Raw = { source?: string; jobs: number };

describe('readResolvedSettings', () => {
  const log = createLogger({ sink: memorySink() });

  it('returns what the resolver built from the validated values', () => {
    const r = readResolvedSettings<Raw, { dir: string; jobs: number }>(
      schema,
      { PLUGIN_SOURCE: 'web' },
      log,
      (s) => ({ resolved: { dir: `/w/${s.source}`, jobs: s.jobs }, issues: [] }),
    );
    assert.deepEqual(r, { dir: '/w/web', jobs: 4 });
  });

  it("reports the schema's problems and the resolver's together", () => {
    assert.throws(
      () =>
        readResolvedSettings<Raw, string>(schema, { PLUGIN_JOBS: '0' }, log, (_s, source, invalid) => ({
          issues: invalid.has('jobs')
            ? [{ setting: 'source', variable: source('source'), problem: 'is required' }]
            : [],
        })),
      (err: unknown) =>
        err instanceof SettingsError && /jobs/.test(err.message) && /source.*is required/s.test(err.message),
    );
  });

  it('is a bug, not a silent undefined, when the resolver returns nothing and no issue', () => {
    assert.throws(
      () => readResolvedSettings<Raw, string>(schema, {}, log, () => ({ issues: [] })),
      /resolver returned neither/,
    );
  });
});
