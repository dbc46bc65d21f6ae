// The Docker API `drone exec` talks to, set up as a runner host would be: Podman's API
// (podman-service.ts) on an image store of its own that starts empty (runner-store.ts), with a
// registry mirror and its login (registry-mirror.ts), behind the
// proxy that puts the step containers on the host's network (host-network.ts), with the
// plugin images in the testbed registry (images.ts: the tests have the release pipeline push
// them). None of it is in the pipeline file.
import type { TestbedState } from '../testbed/state.ts';
import { startHostNetworkProxy } from './host-network.ts';
import { ensureImages, type ImageSource } from './images.ts';
import { startPodmanService } from './podman-service.ts';
import { registryMirror } from './registry-mirror.ts';
import { emptyRunnerStore, runnerStoreArgs } from './runner-store.ts';

export interface DroneDocker {
  /** `unix://…`, for drone exec's DOCKER_HOST. */
  dockerHost: string;
  /** The Podman service's log: its pulls and the requests it refused. */
  logFile: string;
  /** Each plugin image's digest in the testbed registry. */
  digests: Record<string, string>;
  stop(): Promise<void>;
}

export async function startDroneDocker(
  tb: TestbedState,
  log: (line: string) => void,
  images: ImageSource = 'publish',
): Promise<DroneDocker> {
  const digests = await ensureImages(tb, log, images);
  await emptyRunnerStore();
  const mirror = registryMirror(tb);
  const service = await startPodmanService({ env: mirror.env, globalArgs: runnerStoreArgs() }).catch(
    (err: unknown) => {
      mirror.dispose();
      throw err;
    },
  );
  const proxy = await startHostNetworkProxy(service.dockerHost.replace(/^unix:\/\//, ''));
  return {
    dockerHost: proxy.dockerHost,
    logFile: service.logFile,
    digests,
    stop: async () => {
      await proxy.stop();
      await service.stop();
      mirror.dispose();
    },
  };
}
