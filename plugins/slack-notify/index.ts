// Entry of the slack-notify bundle: the only file that runs anything when loaded.
import { main } from '../../common/entry.ts';
import { schema } from './schema.ts';

void main({ schema, load: () => import('./main.ts'), cancellable: true });
