// Where the CPU went in V8 CPU profiles (`node --cpu-prof`, e.g. from
// `bench/gcs-static-sync-rsync.ts --cpu-prof <folder>`): for each profile (a thread: the main
// one, each hashing worker), its sampled time, and self time by function and by where the
// code lives (the bundle, Node's internals, WebAssembly, GC), the largest first; `--per n`
// adds the time per item (µs per file).
//   npx tsx bench/cpu-profile-summary.ts <folder or .cpuprofile>... [--top 25] [--per 10000]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const top = Number(arg('--top') ?? 25);
const per = arg('--per') ? Number(arg('--per')) : undefined;
const paths = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));

function profilesIn(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => join(path, f));
}

/** Where a frame's code lives. */
function placeOf(url: string, name: string): string {
  if (name.startsWith('(')) return name; // (garbage collector), (program), (idle)
  if (url === '') return name.startsWith('wasm') || /^\$?\d+$/.test(name) ? 'wasm' : 'native/builtin';
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  if (url.startsWith('wasm')) return 'wasm';
  return basename(url);
}

const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
const each = (us: number) => (per ? `${(us / per).toFixed(1).padStart(8)} µs/item` : '');

function summarise(file: string): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame;
    const fn = `${functionName || '(anonymous)'} ${basename(url)}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const place = placeOf(url, functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + us);
    total += us;
  }
  const idle = byPlace.get('(idle)') ?? 0;
  console.log(`\n${file}: ${ms(total)} ms sampled, ${ms(total - idle).trim()} ms busy ${each(total - idle)}`);
  const largest = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log('  by place:');
  for (const [k, us] of largest(byPlace)) console.log(`  ${ms(us)} ms ${each(us)}  ${k}`);
  console.log('  by function (self):');
  for (const [k, us] of largest(byFunction)) console.log(`  ${ms(us)} ms ${each(us)}  ${k}`);
}

for (const path of paths) for (const file of profilesIn(path)) summarise(file);
