// One step of the Drone run pins its plugin by digest, as docs/upgrades.md tells a team to do
// when a tag must not move under it. The digest is only known once the run has pushed the
// image, so the example cannot carry it: the run writes a copy of the example beside it with
// that one `image:` line changed (tag -> @sha256:…), and runs the rollback pipeline from it.
export const PINNED_PIPELINE_FILE = '.drone-pinned.yml';

/** The pipeline text with the first image of `plugin` pinned to `digest`. */
export function pinByDigest(text: string, plugin: string, digest: string): string {
  const line = new RegExp(`^(\\s*image: )drone-gke-plugins/${plugin}:\\S+$`, 'm');
  if (!line.test(text))
    throw new Error(`examples/.drone.yml: no image: drone-gke-plugins/${plugin}:<tag> line`);
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`not a digest: ${digest}`);
  return text.replace(line, `$1drone-gke-plugins/${plugin}@${digest}`);
}
