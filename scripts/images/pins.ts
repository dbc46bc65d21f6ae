// The pins of the Dockerfiles against the table scripts/images/pins.json, offline:
//   - each `FROM name:tag@sha256:…` carries the digest the table records for name:tag;
//   - the kubectl checksums (ARG KUBECTL_SHA256_<ARCH>) are the release checksums the table
//     records for the kubectl version the kubectl base image's tag names, and the checksum
//     URL in the comment names that version too; there is one for each platform the images
//     are built for (platforms.ts).
// check-pins.ts runs it (npm run check); update-pins.ts writes the table and the Dockerfiles.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKERFILES } from './base-refs.ts';
import { ALL_PLATFORMS, archOf } from './platforms.ts';
import { ROOT } from './podman.ts';

export const PINS_FILE = join(ROOT, 'scripts', 'images', 'pins.json');

export interface Pins {
  /** name:tag as the Dockerfiles write it -> the digest that tag had when it was pinned. */
  bases: Record<string, string>;
  /** kubectl version -> architecture -> the sha256 of the release binary. */
  kubectl: Record<string, Record<string, string>>;
}

export const readPins = (file = PINS_FILE): Pins => JSON.parse(readFileSync(file, 'utf8')) as Pins;

const FROM =
  /(?:^FROM\s+(?:--platform=\S+\s+)?|--from=)([a-z0-9][a-z0-9./-]*:[\w.-]+)@(sha256:[0-9a-f]{64})/gm;
const KUBECTL_ARG = /^ARG KUBECTL_SHA256_([A-Z0-9]+)=([0-9a-f]*)$/gm;
const KUBECTL_BASE = /^registry\.k8s\.io\/kubectl:(v[\d.]+)$/;

/** Every problem of one Dockerfile's text against the table (empty: it matches). */
export function checkDockerfile(name: string, text: string, pins: Pins): string[] {
  const problems: string[] = [];
  let kubectlVersion: string | undefined;
  for (const [, tagged, digest] of text.matchAll(FROM)) {
    const want = pins.bases[tagged!];
    if (!want) problems.push(`${name}: ${tagged} is not in scripts/images/pins.json`);
    else if (want !== digest)
      problems.push(`${name}: ${tagged}@${digest} but pins.json records ${want} for that tag`);
    kubectlVersion = KUBECTL_BASE.exec(tagged!)?.[1] ?? kubectlVersion;
  }
  const args = [...text.matchAll(KUBECTL_ARG)];
  if (args.length > 0 && !kubectlVersion)
    problems.push(`${name}: kubectl checksums without a kubectl base image`);
  if (kubectlVersion) {
    const sums = pins.kubectl[kubectlVersion];
    if (!sums) problems.push(`${name}: no kubectl ${kubectlVersion} checksums in pins.json`);
    for (const [, arch, sum] of args) {
      const want = sums?.[arch!.toLowerCase()];
      if (sums && want !== sum)
        problems.push(
          `${name}: KUBECTL_SHA256_${arch} is not kubectl ${kubectlVersion}'s ${arch!.toLowerCase()} checksum`,
        );
    }
    if (args.length === 0) problems.push(`${name}: kubectl ${kubectlVersion} without its checksums`);
    for (const arch of ALL_PLATFORMS.map(archOf)) {
      if (args.length > 0 && !args.some(([, a]) => a!.toLowerCase() === arch))
        problems.push(
          `${name}: no KUBECTL_SHA256_${arch.toUpperCase()} (the images are built for linux/${arch})`,
        );
    }
    for (const [, url] of text.matchAll(/dl\.k8s\.io\/release\/(v[\d.]+)\//g)) {
      if (url !== kubectlVersion)
        problems.push(`${name}: the checksum URL names ${url}, the image ${kubectlVersion}`);
    }
  }
  return problems;
}

/** Every problem of every Dockerfile. */
export function checkPins(pins = readPins()): string[] {
  return DOCKERFILES.flatMap((f) => checkDockerfile(f, readFileSync(join(ROOT, f), 'utf8'), pins));
}
