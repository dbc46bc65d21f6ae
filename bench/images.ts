// The plugin images: the size of each image's own layers (everything above the distroless
// base; kubectl counted apart for the deploy images) and the container's cold start, from
// `podman run` to exit, of a run that fails on a missing setting (exit 1), against the base
// image running `node -e 0` (podman's own cost). Runs are interleaved so machine noise hits
// every subject alike. Builds the images first if they are missing (scripts/images/build.ts).
//   npm run bench:images [-- --runs 10]
import { buildAll, DOCKERFILE, imageRef, runtimeBase } from '../scripts/images/build.ts';
import { ensurePackages } from '../scripts/images/podman.ts';
import { exists } from '../scripts/images/stand-ins.ts';
import { PLUGINS, type PluginName } from '../scripts/plugins.ts';
import { inspect, runImage } from '../test/images/run.ts';
import { median, percentile } from './stats.ts';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10;
const MB = 1024 * 1024;

await ensurePackages((line) => console.error(line));
const missing: PluginName[] = [];
for (const p of PLUGINS) if (!(await exists(imageRef(p)))) missing.push(p);
if (missing.length > 0) await buildAll(missing, (line) => console.error(line));

const base = runtimeBase();
const baseSize = (await inspect(base)).Size;

console.log(`## sizes (own layers = image size - base size; base ${(baseSize / MB).toFixed(1)} MB)\n`);
console.log('| image | own layers MB | of which kubectl MB | bundle MB | layers above base |');
console.log('| --- | --- | --- | --- | --- |');
for (const p of PLUGINS) {
  const img = await inspect(imageRef(p));
  const own = img.Size - baseSize;
  let kubectl = 0;
  if (DOCKERFILE[p] === 'Dockerfile.deploy') {
    const r = await runImage(imageRef(p), {
      entrypoint: '/nodejs/bin/node',
      args: ['-p', 'require("fs").statSync("/usr/local/bin/kubectl").size'],
    });
    kubectl = Number(r.stdout.trim());
  }
  const layers = img.RootFS.Layers.length - (await inspect(base)).RootFS.Layers.length;
  console.log(
    `| drone-gke-plugins/${p} | ${(own / MB).toFixed(2)} | ${kubectl ? (kubectl / MB).toFixed(2) : '-'} | ${((own - kubectl) / MB).toFixed(2)} | ${layers} |`,
  );
}

const subjects: [string, string, string[], string | undefined, number][] = [
  ['base: node -e 0', base, ['-e', '0'], undefined, 0],
  ...PLUGINS.map((p): [string, string, string[], string | undefined, number] => [
    `${p}: missing setting`,
    imageRef(p),
    [],
    undefined,
    1,
  ]),
];
const times = new Map<string, number[]>(subjects.map(([name]) => [name, []]));
for (let i = 0; i < runs + 1; i++) {
  for (const [name, ref, args, entrypoint, code] of subjects) {
    const r = await runImage(ref, { args, ...(entrypoint ? { entrypoint } : {}) });
    if (r.code !== code) throw new Error(`${name}: exit ${r.code}, expected ${code}\n${r.stderr}`);
    if (i === 0) continue; // a warm-up round
    times.get(name)?.push(r.ms);
  }
}
console.log(`\n## cold start: podman run --rm --read-only --tmpfs /tmp, spawn to exit, ${runs} runs\n`);
console.log('| subject | median ms | p90 ms | median over the base |');
console.log('| --- | --- | --- | --- |');
const baseMedian = median(times.get(subjects[0]![0]) ?? []);
for (const [name] of subjects) {
  const xs = times.get(name) ?? [];
  console.log(
    `| ${name} | ${median(xs).toFixed(0)} | ${percentile(xs, 90).toFixed(0)} | +${(median(xs) - baseMedian).toFixed(0)} ms |`,
  );
}
