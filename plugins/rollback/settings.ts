// rollback's typed settings, derived from its schema.
import type { SettingsOf } from '../../common/schema.ts';
import type { schema } from './schema.ts';

export type Settings = SettingsOf<typeof schema>;
