// The plugin images for `drone exec`, from the image store of `npm run test:images`
// (scripts/images/): built there as localhost/drone-gke-plugins/<plugin>:latest.
//
// Docker names a local build of `drone-gke-plugins/x` docker.io/drone-gke-plugins/x, and Drone's
// runner expands an image name the same way before it asks for it; Podman keeps local builds
// under localhost/. So each image also gets the docker.io name (a second tag in the local store;
// nothing is pulled), and the pipeline names the images as a Docker user would.
import { podman, podmanOk } from '../../scripts/images/podman.ts';
import { PLUGINS, type PluginName } from '../../scripts/plugins.ts';

export const localRef = (plugin: PluginName) => `localhost/drone-gke-plugins/${plugin}:latest`;
export const dockerRef = (plugin: PluginName) => `docker.io/drone-gke-plugins/${plugin}:latest`;

/** The plugins whose image the store does not have. */
export async function missingImages(): Promise<PluginName[]> {
  const missing: PluginName[] = [];
  for (const p of PLUGINS) {
    if ((await podman(['image', 'exists', localRef(p)])).code !== 0) missing.push(p);
  }
  return missing;
}

/** Builds the missing images (scripts/images/build.ts; minutes on a first run), then tags them. */
export async function ensureImages(log: (line: string) => void = () => {}): Promise<void> {
  const missing = await missingImages();
  if (missing.length > 0) {
    log(`building the images of ${missing.join(', ')} (scripts/images/build.ts)…`);
    const { buildAll } = await import('../../scripts/images/build.ts');
    await buildAll(missing, log);
  }
  await tagForDocker();
}

/** Points docker.io/drone-gke-plugins/<plugin>:latest at the current local build. */
export async function tagForDocker(): Promise<void> {
  for (const p of PLUGINS) await podmanOk(['tag', localRef(p), dockerRef(p)]);
}
