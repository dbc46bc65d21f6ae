// What the gke-deploy benches share: a testbed of their own (its own TESTBED_DIR, started here
// and stopped at the end), and the environment a gke-deploy bundle runs with against it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BenchTestbed {
  /** The parts of the testbed's state file (test/testbed/state.ts) the benches read. */
  tb: {
    tools: { kubectl: string };
    ca: { bundle: string };
    credentials: { serviceAccountKeyFile: string };
    gke: { apiEndpoint: string; tokenUrl: string };
    prometheus: { url: string };
    clusters: { location: string; name: string; adminKubeconfig: string }[];
  };
  kubectl: string;
  stop(): void;
}

/** Starts (or reuses) the testbed in `<root>/<dir>` with `clusters` clusters. */
export function startBenchTestbed(dir: string, clusters: number): BenchTestbed {
  const env = { ...process.env, TESTBED_DIR: join(root, dir) };
  const cli = (...args: string[]) =>
    execFileSync('npx', ['tsx', 'test/testbed/cli.ts', ...args], { cwd: root, env, stdio: 'inherit' });
  cli('up', '--clusters', String(clusters));
  const tb = JSON.parse(readFileSync(join(root, dir, 'state.json'), 'utf8')) as BenchTestbed['tb'];
  return { tb, kubectl: tb.tools.kubectl, stop: () => cli('down') };
}

/** gke-deploy's environment for a deploy of `tag` to the first `clusters` clusters, namespace `ns`. */
export function gkeDeployEnv(
  t: BenchTestbed,
  clusters: number,
  ns: string,
  tag: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const { tb } = t;
  return {
    PATH: `${dirname(t.kubectl)}:${process.env.PATH}`,
    HOME: process.env.HOME,
    NODE_EXTRA_CA_CERTS: tb.ca.bundle,
    PLUGIN_TOKEN: readFileSync(tb.credentials.serviceAccountKeyFile, 'utf8'),
    PLUGIN_CLUSTERS: tb.clusters
      .slice(0, clusters)
      .map((c) => `${c.location}/${c.name}`)
      .join(','),
    PLUGIN_GKE_ENDPOINT: tb.gke.apiEndpoint,
    PLUGIN_TOKEN_URL: tb.gke.tokenUrl,
    PLUGIN_NAMESPACE: ns,
    PLUGIN_TIMEOUT: '120s',
    DRONE_BUILD_NUMBER: tag.replace(/\D/g, ''),
    ...extra,
  };
}
