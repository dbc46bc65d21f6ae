// Entry of the gcs-static-sync bundle: the only file that runs anything when loaded.
import { main } from '../../common/entry.ts';
import { schema } from './schema.ts';

void main({ schema, load: () => import('./main.ts'), cancellable: true });
