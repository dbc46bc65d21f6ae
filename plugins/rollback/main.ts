// rollback: reads and checks its settings. The work itself arrives with issue #5;
// until then the plugin says so and fails, rather than pretending to succeed.
import { PluginError } from '../../common/errors.ts';
import { checkClusterAccess } from '../../common/kube/access-check.ts';
import { type BaseDeps, readSettings, withBaseDeps } from '../../common/plugin.ts';
import type { SettingsOf } from '../../common/schema.ts';
import type { Env } from '../../common/settings.ts';
import { schema } from './schema.ts';

export type Settings = SettingsOf<typeof schema>;

export async function run(env: Env, partial: Partial<BaseDeps> = {}): Promise<void> {
  const deps = withBaseDeps(partial);
  readSettings<Settings>(schema, env, deps.log, checkClusterAccess);
  throw new PluginError('rollback is not implemented yet (issue #5); the settings are valid');
}
