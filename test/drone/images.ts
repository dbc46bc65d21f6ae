// The plugin images for `drone exec`, as a user's runner gets them: built and pushed to the
// testbed registry by the project's release pipeline (release.ts: X.Y.Z, X.Y, X, latest), or
// for the demo straight from the image store of `npm run test:images` (see ensureImages). The run's own store
// (runner-store.ts) starts empty, so every step's image is pulled from the registry by the
// name the example gives it (drone-gke-plugins/<plugin>:X.Y, Docker Hub's name) through the
// mirror that registry-mirror.ts sets up.
import { imageRef } from '../../scripts/images/build.ts';
import { podman, podmanOk } from '../../scripts/images/podman.ts';
import { publish } from '../../scripts/images/publish.ts';
import { PLUGINS, type PluginName } from '../../scripts/plugins.ts';
import { testbedRegistry } from '../images/registry.ts';
import type { TestbedState } from '../testbed/state.ts';
import { releaseImages } from './release.ts';

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
 * Where the registry's images come from: the release pipeline of the project's .drone.yml,
 * run through drone exec on the version's tag (release.ts; once per test process), as a
 * release publishes them; or, for the demo, which should not spend a release run's minute and
 * a half, the images of the store (the missing ones built first) pushed by publish.ts directly.
 */
export type ImageSource = 'release' | 'publish';

/** Puts the four images in the testbed registry; returns each image's digest there. */
export async function ensureImages(
  tb: TestbedState,
  log: (line: string) => void = () => {},
  source: ImageSource = 'publish',
): Promise<Record<string, string>> {
  let digests: Record<string, string>;
  if (source === 'release') digests = (await releaseImages(tb, log)).digests;
  else {
    const missing = await missingImages();
    if (missing.length > 0) {
      log(`building the images of ${missing.join(', ')} (scripts/images/build.ts)…`);
      const { buildAll } = await import('../../scripts/images/build.ts');
      await buildAll(missing, log);
    }
    digests = await publish(testbedRegistry(tb));
  }
  for (const p of PLUGINS) await podmanOk(['tag', imageRef(p), dockerRef(p)]);
  return digests;
}
