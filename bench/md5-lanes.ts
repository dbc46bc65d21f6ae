// MD5 of source files on one hashing worker: in WebAssembly SIMD lanes (hash/md5-lanes.ts), one,
// two and three (the plugin's) groups of four lanes run together, against OpenSSL one file at a
// time, side by side in one run, interleaved.
// Same worker code, same files (read from the page cache after a warm-up pass), so the
// difference is the hashing. Usage:
//   npx tsx bench/md5-lanes.ts [--runs 9] [--files 256] [--kb 256]
// Run it on the Node the image ships (bench/node-binary.ts prints where it is): V8's code for
// two interleaved groups differs by version (Node 20 gained ~8 %, Node 24 ~1.5x).
//   <node 24> --import tsx bench/md5-lanes.ts
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileMd5Lanes } from '../plugins/gcs-static-sync/hash/md5-lanes.ts';
import { startHashWorkers } from '../plugins/gcs-static-sync/hash/pool.ts';
import { median } from './stats.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg('--runs', 9);
const count = arg('--files', 256);
const kb = arg('--kb', 256);

async function main() {
  if (!compileMd5Lanes()) throw new Error('this Node has no WebAssembly SIMD: nothing to compare');
  const dir = mkdtempSync(join(tmpdir(), 'md5-lanes-bench-'));
  try {
    const files = Array.from({ length: count }, (_, i) => {
      const f = join(dir, `f${i}.bin`);
      writeFileSync(f, randomBytes(kb * 1024));
      return f;
    });
    const mb = (count * kb) / 1024;
    const subjects = [
      ['OpenSSL, one file at a time', false],
      ['WebAssembly SIMD, 4 lanes (1 group)', 1],
      ['WebAssembly SIMD, 8 lanes (2 groups)', 2],
      ['WebAssembly SIMD, 12 lanes (3 groups, the plugin)', 3],
    ] as const;
    const times = new Map<string, number[]>(subjects.map(([name]) => [name, []]));
    const workers = new Map(subjects.map(([name, lanes]) => [name, startHashWorkers(1, { lanes })]));
    try {
      for (let r = -1; r < runs; r++) {
        for (const [name] of subjects) {
          const t0 = performance.now();
          await workers.get(name)?.hashBatch(files, 0);
          if (r >= 0) times.get(name)?.push(performance.now() - t0);
        }
      }
    } finally {
      for (const w of workers.values()) await w.close();
    }
    console.log(`${count} files of ${kb} KB (${mb.toFixed(0)} MiB), one worker, ${runs} runs, interleaved\n`);
    console.log('| hashing | median ms | MiB/s |');
    console.log('| --- | --- | --- |');
    const medians = subjects.map(([name]) => median(times.get(name) ?? []));
    subjects.forEach(([name], i) => {
      const ms = medians[i] as number;
      console.log(`| ${name} | ${ms.toFixed(0)} | ${((mb * 1000) / ms).toFixed(0)} |`);
    });
    const openssl = medians[0] as number;
    subjects.slice(1).forEach(([name], i) => {
      console.log(`${name} / OpenSSL speed: ${(openssl / (medians[i + 1] as number)).toFixed(2)}x`);
    });
    console.log(`Node ${process.version}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
