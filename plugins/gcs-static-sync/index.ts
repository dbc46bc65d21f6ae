// Entry of the gcs-static-sync bundle: the only file that runs anything when loaded. The
// hashing workers start before the plugin's code loads (hash/prestart.ts).
import { main } from '../../common/entry.ts';
import { prestartHashWorkers } from './hash/prestart.ts';
import { schema } from './schema.ts';

void main({
  schema,
  load: () => import('./main.ts'),
  beforeLoad: () => prestartHashWorkers(),
  cancellable: true,
});
