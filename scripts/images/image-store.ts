// The stand-ins' names in the image store: podman tags name:tag, and the digested names
// (which podman refuses to tag) are added to the store's image index directly. A stand-in for
// several architectures is a manifest list of one stand-in per architecture, named the same
// way: buildah picks the list's instance for the platform it builds.
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { BaseRef } from './base-refs.ts';
import { graphRoot, podman, podmanOk } from './podman.ts';

interface StoredImage {
  id: string;
  names?: string[];
  [key: string]: unknown;
}

/** Adds `names` to image `id` in the store's index (and takes them off any other image). */
function addNames(id: string, names: readonly string[]): void {
  const file = join(graphRoot(), 'overlay-images', 'images.json');
  const images = JSON.parse(readFileSync(file, 'utf8')) as StoredImage[];
  const target = images.find((i) => i.id === id);
  if (!target) throw new Error(`image ${id} is not in ${file}`);
  for (const img of images) {
    if (img !== target) img.names = (img.names ?? []).filter((n) => !names.includes(n));
  }
  target.names = [...new Set([...(target.names ?? []), ...names])];
  writeFileSync(`${file}.tmp`, JSON.stringify(images));
  renameSync(`${file}.tmp`, file);
}

async function imageId(ref: string): Promise<string> {
  return (await podmanOk(['image', 'inspect', '--format', '{{.Id}}', ref])).trim();
}

export async function exists(ref: string): Promise<boolean> {
  return (await podman(['image', 'exists', ref])).code === 0;
}

/** Names the image `built` as the base reference `base`: name:tag, name:tag@digest, name@digest. */
export async function nameAs(built: string, base: BaseRef): Promise<void> {
  await podmanOk(['tag', built, base.tagged]);
  addNames(await imageId(built), [base.stored, base.digested]);
  if (!(await exists(base.ref))) throw new Error(`the stand-in for ${base.ref} cannot be found by that name`);
}

/** Makes `list` a manifest list of the images `instances` and names it as the base reference `base`. */
export async function nameListAs(list: string, instances: readonly string[], base: BaseRef): Promise<void> {
  if (await exists(list)) await podmanOk(['manifest', 'rm', list]);
  // The list's id, which `podman image inspect` would not give (it answers for an instance).
  const id = (await podmanOk(['manifest', 'create', list])).trim();
  for (const image of instances) await podmanOk(['manifest', 'add', list, `containers-storage:${image}`]);
  await podmanOk(['tag', list, base.tagged]);
  addNames(id, [base.stored, base.digested]);
  if (!(await exists(base.ref))) throw new Error(`the stand-in for ${base.ref} cannot be found by that name`);
}

/**
 * The bytes of one file of an image, copied out of a container that is created, never started
 * (`podman cp` works for a remote client too: the service sends the file over its API).
 */
export async function readImageFile(ref: string, path: string): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'dgp-image-file-'));
  const id = (await podmanOk(['create', '--pull=never', ref])).trim();
  try {
    await podmanOk(['cp', `${id}:${path}`, dir]);
    return readFileSync(join(dir, basename(path)));
  } finally {
    await podman(['rm', '--force', id]);
    rmSync(dir, { recursive: true, force: true });
  }
}
