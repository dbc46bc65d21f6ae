// Where the Drone run's images come from. examples/.drone.yml names them as a user writes
// them, drone-gke-plugins/<plugin>:X.Y, which Drone's runner and Docker read as
// docker.io/drone-gke-plugins/<plugin>:X.Y. The run gives Podman's API, from outside the
// file, what a runner host behind a registry mirror has:
//   - a private registries.conf (CONTAINERS_REGISTRIES_CONF) whose mirror for
//     docker.io/drone-gke-plugins is the testbed registry's drone-gke-plugins/;
//   - the registry's login in a private auth file, where `podman login` leaves it on a runner
//     host: <XDG_CONFIG_HOME>/containers/auth.json (Podman's API reads it there, not from
//     REGISTRY_AUTH_FILE, which only its command line reads; both are set);
//   - the testbed CA bundle as SSL_CERT_FILE (the system's roots followed by the testbed CA:
//     Go reads that file in place of the system's), so the mirror's certificate checks out.
// Nothing of the machine's own container configuration is read or changed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageName, VERSION } from '../../scripts/images/build.ts';
import { releaseTags } from '../../scripts/images/publish.ts';
import type { PluginName } from '../../scripts/plugins.ts';
import type { TestbedState } from '../testbed/state.ts';

/** The tag the example pins: X.Y of package.json's version. */
export const EXAMPLE_TAG = releaseTags(VERSION)[1] ?? VERSION;

/** How Docker and Drone's runner spell a Docker Hub image the example names. */
export const hubRef = (plugin: PluginName, tag = EXAMPLE_TAG): string =>
  `docker.io/${imageName(plugin)}:${tag}`;

export interface RegistryMirror {
  /** Environment for `podman system service`. */
  env: NodeJS.ProcessEnv;
  dispose(): void;
}

export function registryMirror(tb: TestbedState): RegistryMirror {
  const dir = mkdtempSync(join(tmpdir(), 'dgp-drone-registries-'));
  const { host, username, password } = tb.registry;
  const conf = join(dir, 'registries.conf');
  writeFileSync(
    conf,
    [
      '# Written by test/drone/registry-mirror.ts for one Drone run.',
      // Podman's API pulls the name it is given as a short name; Docker reads one as Docker Hub's.
      'unqualified-search-registries = ["docker.io"]',
      'short-name-mode = "permissive"',
      '[[registry]]',
      'prefix = "docker.io/drone-gke-plugins"',
      'location = "docker.io/drone-gke-plugins"',
      '[[registry.mirror]]',
      `location = "${host}/drone-gke-plugins"`,
      '',
    ].join('\n'),
  );
  mkdirSync(join(dir, 'containers'));
  const auth = join(dir, 'containers', 'auth.json');
  const login = Buffer.from(`${username}:${password}`).toString('base64');
  writeFileSync(auth, JSON.stringify({ auths: { [host]: { auth: login } } }), { mode: 0o600 });
  return {
    env: {
      CONTAINERS_REGISTRIES_CONF: conf,
      XDG_CONFIG_HOME: dir,
      REGISTRY_AUTH_FILE: auth,
      SSL_CERT_FILE: tb.ca.bundle,
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
