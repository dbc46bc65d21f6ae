// The hashing worker's entry when the TypeScript sources run (tests, benchmarks): Node 20
// neither applies the parent's `--import tsx` to a worker thread nor shares its loader hooks,
// so the worker registers tsx itself, then loads worker.ts. The bundle has no use for this
// file: its worker entry is worker.ts compiled (scripts/bundle.ts).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
