// Container image references: registry:port/path/name:tag@digest, parsed the way the
// Docker reference grammar reads them, and the `images` setting that swaps images by
// repository in every pod template.

export interface ImageRef {
  /** Everything before the tag and digest: registry:port/path/name. */
  repository: string;
  tag?: string | undefined;
  digest?: string | undefined;
}

export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  // A colon after the last slash starts a tag; one before it is a registry port.
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { repository: rest, tag, digest };
}

/** Docker Hub names written short and long compare equal (nginx = docker.io/library/nginx). */
export function normalizeRepository(repo: string): string {
  let r = repo;
  const first = r.split('/')[0] as string;
  const hasRegistry =
    r.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) r = `docker.io/${r}`;
  if (/^(docker\.io|index\.docker\.io)\/[^/]+$/.test(r))
    r = r.replace(/^(docker\.io|index\.docker\.io)\//, 'docker.io/library/');
  return r.replace(/^index\.docker\.io\//, 'docker.io/');
}

type Container = { name: string; image: string };

/** The pod templates' container lists of a manifest (Deployment, Job, CronJob, Pod …). */
export function containerLists(doc: Record<string, unknown>): Container[][] {
  const spec = doc.spec as Record<string, unknown> | undefined;
  if (!spec) return [];
  const podSpecs: Record<string, unknown>[] = [];
  const template = spec.template as { spec?: Record<string, unknown> } | undefined;
  if (template?.spec) podSpecs.push(template.spec);
  const jobTemplate = (
    spec.jobTemplate as { spec?: { template?: { spec?: Record<string, unknown> } } } | undefined
  )?.spec?.template?.spec;
  if (jobTemplate) podSpecs.push(jobTemplate);
  if (doc.kind === 'Pod') podSpecs.push(spec);
  return podSpecs.flatMap((p) =>
    [p.containers, p.initContainers].filter((l): l is Container[] => Array.isArray(l)),
  );
}

/**
 * Sets each image in `images` on every container whose image has the same repository.
 * Returns how many containers each image replaced, in the order given.
 */
export function replaceImages(docs: Record<string, unknown>[], images: readonly string[]): number[] {
  const wanted = images.map((i) => ({ image: i, repo: normalizeRepository(parseImageRef(i).repository) }));
  const counts = wanted.map(() => 0);
  for (const doc of docs) {
    for (const list of containerLists(doc)) {
      for (const c of list) {
        if (typeof c.image !== 'string') continue;
        const repo = normalizeRepository(parseImageRef(c.image).repository);
        const i = wanted.findIndex((w) => w.repo === repo);
        if (i >= 0) {
          c.image = (wanted[i] as { image: string }).image;
          counts[i] = (counts[i] as number) + 1;
        }
      }
    }
  }
  return counts;
}
