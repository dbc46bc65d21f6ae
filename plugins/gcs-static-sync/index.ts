// Entry of the gcs-static-sync bundle: the only file that runs anything when loaded.
import { setFlagsFromString } from 'node:v8';
import { main } from '../../common/entry.ts';
import { schema } from './schema.ts';

// A sync of many small files makes much short-lived garbage (a request, a stream and a File
// object per upload), and V8's default heuristics let the heap grow with it: 155 MB peak at
// 3,000 uploads against 100 MB with this flag, which V8 reads when it sizes the heap, so it
// takes effect when set at run time (bench/RESULTS.md). Only the entry sets it: tests that
// import main.ts leave their process alone.
setFlagsFromString('--optimize-for-size');

void main({ schema, load: () => import('./main.ts'), cancellable: true });
