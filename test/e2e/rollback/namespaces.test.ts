// rollback finds the namespaces the deploy used: each cluster's own (clusters given as
// objects with a namespace), through the command gke-deploy prints, run exactly as printed;
// and a kubeconfig context's namespace when `namespace` is not set.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { DeploySummary } from '../../../common/summary.ts';
import { ROLLBACK_IMAGE } from '../../../plugins/gke-deploy/report.ts';
import { assertNoLeaks } from '../../helpers/canary.ts';
import { useTestbed } from '../../testbed/hooks.ts';
import type { TestbedState } from '../../testbed/state.ts';
import {
  bundled,
  deploymentOf,
  gkeEnv,
  removeNamespaces,
  runPlugin,
  serviceAccountKey,
  uniqueNamespace,
  workspace,
} from '../gke-deploy/harness.ts';

/**
 * A `docker` for `docker run --rm -e K=V … <rollback image>`: runs the rollback bundle with
 * the -e variables (and `-e K` taken from its own environment, as docker does), plus what
 * stands in for the world around the image: kubectl on PATH and the testbed's Google
 * endpoints (DOCKER_SHIM_WORLD, JSON). Anything else it is asked to do is a failure.
 */
function dockerShim(dir: string, bundle: string): void {
  const script = `#!${process.execPath}
const { spawnSync } = require('node:child_process');
const args = process.argv.slice(2);
const fail = (why) => { process.stderr.write('docker shim: ' + why + '\\n'); process.exit(125); };
if (args[0] !== 'run' || args[1] !== '--rm') fail('expected "run --rm", got ' + JSON.stringify(args));
const env = JSON.parse(process.env.DOCKER_SHIM_WORLD);
let i = 2;
for (; args[i] === '-e'; i += 2) {
  const kv = args[i + 1];
  if (kv === undefined) fail('-e without a value');
  const eq = kv.indexOf('=');
  if (eq < 0) env[kv] = process.env[kv] ?? '';
  else env[kv.slice(0, eq)] = kv.slice(eq + 1);
}
if (i !== args.length - 1 || args[i] !== ${JSON.stringify(ROLLBACK_IMAGE)})
  fail('expected only -e options and then ${ROLLBACK_IMAGE}, got ' + JSON.stringify(args.slice(i)));
const r = spawnSync(process.execPath, [${JSON.stringify(bundle)}], { env, stdio: 'inherit' });
process.exit(r.status ?? 1);
`;
  writeFileSync(join(dir, 'docker'), script);
  chmodSync(join(dir, 'docker'), 0o755);
}

/** Runs `command` with sh in `cwd`, the docker shim first on PATH. */
function sh(
  command: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { cwd, env, timeout: 180_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('rollback: the namespaces the deploy used', function () {
  this.timeout(300_000);
  let tb: TestbedState;

  const image = async (cluster: number, ns: string) => (await deploymentOf(tb, cluster, ns)).image;

  before(async function () {
    this.timeout(30 * 60_000);
    tb = await useTestbed({ clusters: 2 });
    await Promise.all([bundled('gke-deploy'), bundled('rollback')]);
  });
  afterEach(() => removeNamespaces(tb));

  it('the printed command, run as printed, rolls back two clusters that have their own namespaces', async () => {
    const namespaces = [uniqueNamespace('own-a'), uniqueNamespace('own-b')];
    const clusters = JSON.stringify(
      tb.clusters.map((c, i) => ({ name: c.name, location: c.location, namespace: namespaces[i] })),
    );
    const ws = workspace('web');
    let printed = '';
    for (const build of [1, 2]) {
      const env = gkeEnv(tb, 'unused', {
        PLUGIN_CLUSTERS: clusters,
        PLUGIN_CREATE_NAMESPACE: 'true',
        PLUGIN_VARS: JSON.stringify({ app: 'web', tag: `v${build}`, deadline: 30 }),
        SECRET_API_TOKEN: 'canary-secret-by-hand-31',
        DRONE_BUILD_NUMBER: String(build),
      });
      delete env.PLUGIN_NAMESPACE;
      const r = await runPlugin('gke-deploy', env, ws);
      assert.equal(r.code, 0, r.output);
      printed = /^to roll back by hand: (.+)$/m.exec(r.stdout)?.[1] ?? '';
    }
    for (const c of [0, 1]) assert.equal(await image(c, namespaces[c] as string), 'registry.local/app:v2');
    const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as DeploySummary;
    assert.equal(summary.rollbackCommand, printed);

    const dir = mkdtempSync(join(tmpdir(), 'rollback-by-hand-'));
    try {
      dockerShim(dir, await bundled('rollback'));
      writeFileSync(join(dir, 'key.json'), serviceAccountKey(tb));
      const world = {
        PATH: `${join(tb.tools.kubectl as string, '..')}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? '/tmp',
        NODE_EXTRA_CA_CERTS: tb.ca.bundle,
        PLUGIN_GKE_ENDPOINT: tb.gke.apiEndpoint,
        PLUGIN_TOKEN_URL: tb.gke.tokenUrl,
      };
      const r = await sh(printed, dir, {
        PATH: `${dir}:${process.env.PATH ?? ''}`,
        DOCKER_SHIM_WORLD: JSON.stringify(world),
      });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /going back to build 1/);
      assert.match(r.stdout, new RegExp(`namespace ${namespaces[0]}\\).*namespace ${namespaces[1]}\\)`));
      assertNoLeaks(`${r.stdout}\n${r.stderr}`, [serviceAccountKey(tb)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const c of [0, 1]) assert.equal(await image(c, namespaces[c] as string), 'registry.local/app:v1');
    // Each cluster with its own namespace: JSON objects, single-quoted for the shell.
    assert.match(printed, /^docker run --rm -e PLUGIN_CLUSTERS='\[\{/);
    assert.match(printed, /-e PLUGIN_TO_BUILD=1 /);
  });

  it("uses the kubeconfig context's namespace when namespace is not set", async () => {
    const ns = uniqueNamespace('kc');
    const ws = workspace('web');
    for (const build of [1, 2]) {
      const r = await runPlugin(
        'gke-deploy',
        gkeEnv(tb, ns, {
          PLUGIN_CLUSTERS: `${tb.clusters[0]?.location}/${tb.clusters[0]?.name}`,
          PLUGIN_CREATE_NAMESPACE: 'true',
          PLUGIN_VARS: JSON.stringify({ app: 'web', tag: `v${build}`, deadline: 30 }),
          SECRET_API_TOKEN: 'canary-secret-kc-32',
          DRONE_BUILD_NUMBER: String(build),
        }),
        ws,
      );
      assert.equal(r.code, 0, r.output);
    }
    const kubeconfig = parse(readFileSync(tb.clusters[0]?.adminKubeconfig as string, 'utf8')) as {
      'current-context': string;
      contexts: { name: string; context: Record<string, string> }[];
    };
    const current = kubeconfig.contexts.find((c) => c.name === kubeconfig['current-context']);
    assert.ok(current, 'the admin kubeconfig has a current context');
    current.context.namespace = ns;
    const env = gkeEnv(tb, 'unused', { PLUGIN_KUBECONFIG: stringify(kubeconfig) });
    for (const k of [
      'PLUGIN_NAMESPACE',
      'PLUGIN_CLUSTERS',
      'PLUGIN_TOKEN',
      'PLUGIN_GKE_ENDPOINT',
      'PLUGIN_TOKEN_URL',
    ])
      delete env[k];
    const r = await runPlugin('rollback', env, ws);
    assert.equal(r.code, 0, r.output);
    assert.match(r.stdout, new RegExp(`\\(namespace ${ns}\\)`));
    assert.equal(await image(0, ns), 'registry.local/app:v1');
  });
});
