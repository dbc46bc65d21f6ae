// Brings scripts/images/pins.json and the Dockerfiles up to date, online (docs/upgrades.md):
//   npx tsx scripts/images/update-pins.ts [--kubectl vX.Y.Z]
// For every base image the Dockerfiles name (name:tag), the tag's digest now, from its
// registry's API (anonymous pull token); with --kubectl, the kubectl base image moves to that
// version. kubectl's release checksums for the version, from dl.k8s.io. Writes the table, then
// the Dockerfiles' digests, kubectl tag, checksum ARGs and checksum URL; `git diff` shows what
// moved, and npm run check (check-pins.ts) agrees afterwards. A tag's digest changes when its
// publisher rebuilds it (Debian and Node security fixes): run this, rebuild, test, release.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { errorMessage } from '../../common/errors.ts';
import { DOCKERFILES } from './base-refs.ts';
import { PINS_FILE, type Pins, readPins } from './pins.ts';
import { ALL_PLATFORMS, archOf } from './platforms.ts';
import { ROOT } from './podman.ts';
import { locate, manifestDigest, tokenUrl } from './registry-api.ts';

// The tests read these here (test/images/pins.test.ts); they live in registry-api.ts.
export { locate, tokenUrl };

async function kubectlSums(version: string): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const arch of ALL_PLATFORMS.map(archOf)) {
    const res = await fetch(`https://dl.k8s.io/release/${version}/bin/linux/${arch}/kubectl.sha256`);
    const sum = (await res.text()).trim().split(/\s+/)[0] ?? '';
    if (!res.ok || !/^[0-9a-f]{64}$/.test(sum))
      throw new Error(`kubectl ${version} ${arch}: no checksum (${res.status})`);
    sums[arch] = sum;
  }
  return sums;
}

/** A Dockerfile's text with its pins set from the table (the kubectl tag to `kubectl`). */
export function rewriteDockerfile(text: string, pins: Pins, kubectl: string): string {
  let out = text.replace(/registry\.k8s\.io\/kubectl:v[\d.]+@/g, `registry.k8s.io/kubectl:${kubectl}@`);
  out = out.replace(/dl\.k8s\.io\/release\/v[\d.]+\//g, `dl.k8s.io/release/${kubectl}/`);
  for (const [tagged, digest] of Object.entries(pins.bases)) {
    const escaped = tagged.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    out = out.replace(new RegExp(`${escaped}@sha256:[0-9a-f]{64}`, 'g'), `${tagged}@${digest}`);
  }
  const sums = pins.kubectl[kubectl] ?? {};
  return out.replace(/^ARG KUBECTL_SHA256_([A-Z0-9]+)=[0-9a-f]*$/gm, (line, arch: string) =>
    sums[arch.toLowerCase()] ? `ARG KUBECTL_SHA256_${arch}=${sums[arch.toLowerCase()]}` : line,
  );
}

async function update(kubectlWanted: string | undefined): Promise<void> {
  const texts = DOCKERFILES.map((f) => readFileSync(join(ROOT, f), 'utf8'));
  const named = new Set(
    texts.flatMap((t) => [...t.matchAll(/([a-z0-9][a-z0-9./-]*:[\w.-]+)@sha256:/g)].map((m) => m[1]!)),
  );
  const current = [...named].map((n) => /^registry\.k8s\.io\/kubectl:(v[\d.]+)$/.exec(n)?.[1]).find(Boolean);
  const kubectl = kubectlWanted ?? current;
  if (!kubectl) throw new Error('no registry.k8s.io/kubectl base image in the Dockerfiles');
  const pins: Pins = { ...readPins(), bases: {}, kubectl: { [kubectl]: await kubectlSums(kubectl) } };
  for (const n of named) {
    const tagged = n.replace(/^registry\.k8s\.io\/kubectl:v[\d.]+$/, `registry.k8s.io/kubectl:${kubectl}`);
    pins.bases[tagged] = await manifestDigest(tagged);
    console.log(`${tagged}  ${pins.bases[tagged]}`);
  }
  writeFileSync(PINS_FILE, `${JSON.stringify(pins, null, 2)}\n`);
  for (const [i, f] of DOCKERFILES.entries()) {
    writeFileSync(join(ROOT, f), rewriteDockerfile(texts[i]!, pins, kubectl));
  }
  console.log(
    `kubectl ${kubectl}: ${JSON.stringify(pins.kubectl[kubectl])}\nwrote ${PINS_FILE} and the Dockerfiles`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { kubectl: { type: 'string' } } });
  update(values.kubectl).catch((err: unknown) => {
    console.error(`updating the pins failed: ${errorMessage(err)}`);
    process.exitCode = 1;
  });
}
