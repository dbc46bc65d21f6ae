// The plugin images for `drone exec`, as a user's runner gets them: built by scripts/images/
// (the image store of `npm run test:images`), pushed to the testbed registry as a release
// pushes them (scripts/images/publish.ts: X.Y.Z, X.Y, X, latest). The run's own store
// (runner-store.ts) starts empty, so every step's image is pulled from the registry by the
// name the example gives it (drone-gke-plugins/<plugin>:X.Y, Docker Hub's name) through the
// mirror that registry-mirror.ts sets up.
import { imageRef } from '../../scripts/images/build.ts';
import { podman, podmanOk } from '../../scripts/images/podman.ts';
import { publish } from '../../scripts/images/publish.ts';
import { PLUGINS, type PluginName } from '../../scripts/plugins.ts';
import { testbedRegistry } from '../images/registry.ts';
import type { TestbedState } from '../testbed/state.ts';

/**
 * docker.io/drone-gke-plugins/<plugin>:latest in the local store, for test/woodpecker (whose
 * pipeline names that and does not pull): the current build, tagged by ensureImages.
 */
export const dockerRef = (plugin: PluginName) => `docker.io/drone-gke-plugins/${plugin}:latest`;

/** The plugins whose image the store does not have. */
export async function missingImages(): Promise<PluginName[]> {
  const missing: PluginName[] = [];
  for (const p of PLUGINS) {
    if ((await podman(['image', 'exists', imageRef(p)])).code !== 0) missing.push(p);
  }
  return missing;
}

/**
 * Builds the missing images (scripts/images/build.ts; minutes on a first run) and pushes all
 * four to the testbed registry; returns each image's digest there.
 */
export async function ensureImages(
  tb: TestbedState,
  log: (line: string) => void = () => {},
): Promise<Record<string, string>> {
  const missing = await missingImages();
  if (missing.length > 0) {
    log(`building the images of ${missing.join(', ')} (scripts/images/build.ts)…`);
    const { buildAll } = await import('../../scripts/images/build.ts');
    await buildAll(missing, log);
  }
  const digests = await publish(testbedRegistry(tb));
  for (const p of PLUGINS) await podmanOk(['tag', imageRef(p), dockerRef(p)]);
  return digests;
}
