// The list of plugins, for the build, docs and test scripts.
import type { PluginSchema } from '../common/schema.ts';

export const PLUGINS = ['gke-deploy', 'rollback', 'gcs-static-sync', 'slack-notify'] as const;
export type PluginName = (typeof PLUGINS)[number];

export async function loadSchema(name: PluginName): Promise<PluginSchema> {
  const mod = (await import(`../plugins/${name}/schema.ts`)) as { schema: PluginSchema };
  return mod.schema;
}
