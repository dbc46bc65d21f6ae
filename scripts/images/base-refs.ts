// The pinned base images the Dockerfiles name (FROM name:tag@sha256:…), and which stand-in
// recipe each one gets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './podman.ts';

// Every Dockerfile with pinned bases: the three plugin images', and the release pipeline's tools
// image (Dockerfile.release, on the same Node base).
export const DOCKERFILES = [
  'Dockerfile.deploy',
  'Dockerfile.notify',
  'Dockerfile.assets',
  'Dockerfile.release',
] as const;

export type StandInKind = 'node-slim' | 'distroless' | 'kubectl';

export interface BaseRef {
  /** As written in the Dockerfile: name:tag@sha256:… */
  ref: string;
  /** The same, fully qualified, as the image store names it. */
  stored: string;
  /** name:tag (fully qualified) */
  tagged: string;
  /** name@sha256:… */
  digested: string;
  kind: StandInKind;
  /** Node major (node-slim, distroless) or kubectl version. */
  version: string;
}

const REF = /(?:^FROM\s+(?:--platform=\S+\s+)?|--from=)([a-z0-9][a-z0-9./-]*:[\w.-]+@sha256:[0-9a-f]{64})/gm;

/** The fully qualified form podman stores and looks up (node -> docker.io/library/node). */
function qualify(name: string): string {
  const first = name.split('/')[0]!;
  if (first.includes('.') || first.includes(':') || first === 'localhost') return name;
  return name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
}

function classify(ref: string): BaseRef {
  const [tagged, digest] = ref.split('@') as [string, string];
  const name = qualify(tagged.slice(0, tagged.lastIndexOf(':')));
  const tag = tagged.slice(tagged.lastIndexOf(':') + 1);
  const base = {
    ref,
    stored: `${name}:${tag}@${digest}`,
    tagged: `${name}:${tag}`,
    digested: `${name}@${digest}`,
  };
  let m = /^(?:docker\.io\/library\/)?node:(\d+)-bookworm-slim$/.exec(tagged);
  if (m) return { ...base, kind: 'node-slim', version: m[1]! };
  m = /^gcr\.io\/distroless\/nodejs(\d+)-debian12:nonroot$/.exec(tagged);
  if (m) return { ...base, kind: 'distroless', version: m[1]! };
  m = /^registry\.k8s\.io\/kubectl:(v[\d.]+)$/.exec(tagged);
  if (m) return { ...base, kind: 'kubectl', version: m[1]! };
  throw new Error(`no stand-in recipe for the base image ${ref}`);
}

/** Every pinned base image the Dockerfiles name, once each. */
export function baseRefs(): BaseRef[] {
  const refs = new Set<string>();
  for (const file of DOCKERFILES) {
    for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(REF)) refs.add(m[1]!);
  }
  return [...refs].map(classify);
}
