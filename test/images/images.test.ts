// The container images, built with podman on local stand-ins of their base images
// (scripts/images/), checked, and run against the testbed the way Drone runs a plugin:
// PLUGIN_* environment, the workspace mounted as the working folder, host networking (the
// testbed listens on 127.0.0.1), a read-only root filesystem with a tmpfs /tmp.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { buildAll, DOCKERFILE, imageRef, runtimeBase, VERSION } from '../../scripts/images/build.ts';
import { ensurePackages, podmanOk, ROOT } from '../../scripts/images/podman.ts';
import { readSbom, SBOM_IN_IMAGE, sbomFile } from '../../scripts/images/sbom.ts';
import { loadSchema, PLUGINS, type PluginName } from '../../scripts/plugins.ts';
import { assertStoredAsSource, removeBucket } from '../e2e/gcs-static-sync/helpers.ts';
import {
  DRONE_BUILD_ENV,
  deploymentOf,
  FIXTURES,
  gkeImageEnv,
  removeNamespaces,
  serviceAccountKey,
  uniqueNamespace,
} from '../e2e/gke-deploy/harness.ts';
import { assertNoLeaks, makeCanaries, serviceAccountShape } from '../helpers/canary.ts';
import { useTestbed } from '../testbed/hooks.ts';
import { createBucket, listObjectNames, slackRequests } from '../testbed/servers/client.ts';
import type { TestbedState } from '../testbed/state.ts';
import { BUILD_ENV } from '../unit/plugins/slack-notify/build-env.ts';
import { type Inspect, inspect, openDir, openTree, out, runImage } from './run.ts';

const log = (line: string) => process.stderr.write(`      [images] ${line}\n`);
const MB = 1024 * 1024;
/** The target for a plugin's own layers (kubectl comes on top for the deploy images). */
const OWN_LAYERS_MAX = 3 * MB;

describe('container images (podman, stand-in bases)', function () {
  this.timeout(120_000);
  let base: Inspect;

  before(async function () {
    // Cold: Debian root filesystem, Node, the stand-ins, npm ci in the build stage.
    this.timeout(60 * 60_000);
    await ensurePackages(log);
    await buildAll(PLUGINS, log);
    base = await inspect(runtimeBase());
  });

  for (const plugin of PLUGINS) {
    describe(plugin, () => {
      const ref = imageRef(plugin);
      const deploy = DOCKERFILE[plugin] === 'Dockerfile.deploy';

      it('runs as the non-root user 65532, exec-form entrypoint, OCI labels', async () => {
        const img = await inspect(ref);
        assert.equal(img.Config.User, '65532:65532');
        const flags =
          plugin === 'gcs-static-sync'
            ? ['--max-semi-space-size=8', '--disable-warning=DEP0040', '--disable-warning=DEP0169']
            : [];
        assert.deepEqual(img.Config.Entrypoint, ['/nodejs/bin/node', ...flags, '/opt/plugin/index.js']);
        const labels = img.Config.Labels ?? {};
        assert.equal(labels['org.opencontainers.image.version'], VERSION);
        assert.match(labels['org.opencontainers.image.revision'] ?? '', /^[0-9a-f]{40}$/);
        assert.ok('org.opencontainers.image.source' in labels);
        assert.match(labels['org.opencontainers.image.created'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
        assert.equal(labels['org.opencontainers.image.title'], `drone-gke-plugins/${plugin}`);
        assert.equal(labels['drone-gke-plugins.sbom'], SBOM_IN_IMAGE);
        const r = await runImage(ref, {
          entrypoint: '/nodejs/bin/node',
          args: ['-e', 'console.log(process.getuid(), process.getgid(), require("os").tmpdir())'],
        });
        assert.equal(r.code, 0, out(r));
        assert.equal(r.stdout.trim(), '65532 65532 /tmp');
      });

      it(`adds only the bundle${deploy ? ' and kubectl' : ''} on top of the distroless base`, async () => {
        const img = await inspect(ref);
        assert.deepEqual(img.RootFS.Layers.slice(0, base.RootFS.Layers.length), base.RootFS.Layers);
        const diff = (await podmanOk(['image', 'diff', ref, runtimeBase()])).trim().split('\n');
        const allowed = [
          /^[AC] \/opt$/,
          /^A \/opt\/plugin(\/(index\.js|package\.json|sbom\.cdx\.json|chunks|chunks\/[\w.-]+\.js))?$/,
          ...(deploy ? [/^[AC] \/usr(\/local(\/bin)?)?$/, /^A \/usr\/local\/bin\/kubectl$/] : []),
        ];
        const unexpected = diff.filter((line) => !allowed.some((re) => re.test(line)));
        assert.deepEqual(unexpected, [], `unexpected paths in the plugin's layers:\n${diff.join('\n')}`);
        assert.ok(diff.includes('A /opt/plugin/index.js'), diff.join('\n'));
        if (deploy) assert.ok(diff.includes('A /usr/local/bin/kubectl'), diff.join('\n'));
        const own = img.Size - base.Size;
        let kubectl = 0;
        if (deploy) {
          const r = await runImage(ref, {
            entrypoint: '/nodejs/bin/node',
            args: ['-p', 'require("fs").statSync("/usr/local/bin/kubectl").size'],
          });
          kubectl = Number(r.stdout.trim());
        }
        log(
          `${plugin}: own layers ${((own - kubectl) / MB).toFixed(2)} MB${deploy ? ` + kubectl ${(kubectl / MB).toFixed(1)} MB` : ''}`,
        );
        assert.ok(own - kubectl <= OWN_LAYERS_MAX, `${plugin}: ${own - kubectl} bytes of bundle`);
      });

      it('carries its SBOM (CycloneDX, from npm sbom), the same as the copy beside it', async () => {
        const text = await readSbom(ref);
        const sbom = JSON.parse(text) as {
          bomFormat: string;
          metadata: { component: { name: string; version: string } };
          components: { name: string; version: string }[];
        };
        assert.equal(sbom.bomFormat, 'CycloneDX');
        assert.deepEqual(
          [sbom.metadata.component.name, sbom.metadata.component.version],
          [`drone-gke-plugins/${plugin}`, VERSION],
        );
        const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
          packages: Record<string, { version: string }>;
        };
        // What the bundle is made of is listed at the lockfile's version; no dev tool is.
        for (const dep of ['@google-cloud/storage', 'ajv', 'yaml']) {
          const c = sbom.components.find((x) => x.name === dep);
          assert.equal(c?.version, lock.packages[`node_modules/${dep}`]?.version, dep);
        }
        for (const dev of ['esbuild', 'mocha', 'typescript']) {
          assert.ok(!sbom.components.some((x) => x.name === dev), `${dev} is a dev dependency`);
        }
        assert.equal(readFileSync(sbomFile(plugin, VERSION), 'utf8'), text);
      });

      it('--help works with a read-only root filesystem', async () => {
        const r = await runImage(ref, { args: ['--help'] });
        assert.equal(r.code, 0, out(r));
        assert.match(r.stdout, new RegExp(`^${plugin}: `));
        assert.match(r.stdout, /PLUGIN_[A-Z_]+/);
        assert.match(r.stdout, new RegExp(`\n${plugin} ${VERSION.replace(/\./g, '\\.')}\n?$`));
      });

      it('a missing setting: exit 1 and the setting named on stderr (read-only root filesystem)', async () => {
        const r = await runImage(ref);
        assert.equal(r.code, 1, out(r));
        // Which release ran comes first (common/entry.ts).
        assert.equal(r.stdout.split('\n')[0], `${plugin} ${VERSION}`);
        assert.match(r.stderr, new RegExp(`^${plugin} failed: .*invalid setting`, 'm'));
        assert.match(r.stderr, /setting "\w+" \(PLUGIN_\w+/);
      });

      if (deploy) {
        it('kubectl in the image runs', async () => {
          const r = await runImage(ref, {
            entrypoint: '/usr/local/bin/kubectl',
            args: ['version', '--client'],
          });
          assert.equal(r.code, 0, out(r));
          assert.match(r.stdout, /Client Version: v1\.34\./);
        });
      }
    });
  }

  describe('against the testbed (--network host)', () => {
    let tb: TestbedState;
    let ca: string;

    before(async function () {
      this.timeout(30 * 60_000);
      tb = await useTestbed({ clusters: 2 });
      // The container's user must be able to read the CA bundle.
      ca = join(openDir('ca'), 'ca-bundle.pem');
      copyFileSync(tb.ca.bundle, ca);
      chmodSync(ca, 0o644);
    });
    afterEach(() => removeNamespaces(tb));

    const gke = (ns: string, extra: Record<string, string> = {}) =>
      gkeImageEnv(tb, ns, { ...DRONE_BUILD_ENV, ...extra });

    it('gke-deploy deploys to both clusters, then rollback goes back a build on both', async () => {
      const ns = uniqueNamespace('img');
      const ws = openDir('ws');
      cpSync(join(FIXTURES, 'web'), ws, { recursive: true });
      openTree(ws);
      const API_TOKEN = 'canary-images-api-token-3f9a1c';
      const secrets = [serviceAccountKey(tb), API_TOKEN];
      for (const build of [1, 2]) {
        const r = await runImage(imageRef('gke-deploy'), {
          workspace: ws,
          ca,
          env: gke(ns, {
            PLUGIN_CREATE_NAMESPACE: 'true',
            PLUGIN_VARS: JSON.stringify({ app: 'web', tag: `v${build}`, deadline: 30 }),
            SECRET_API_TOKEN: API_TOKEN,
            DRONE_BUILD_NUMBER: String(build),
            DRONE_COMMIT_SHA: `${String(build).repeat(8)}abcdef`.slice(0, 16),
          }),
        });
        assert.equal(r.code, 0, out(r));
        assertNoLeaks(`${r.stdout}\n${r.stderr}`, secrets);
        for (const cluster of [0, 1]) {
          const d = await deploymentOf(tb, cluster, ns);
          assert.equal(d.image, `registry.local/app:v${build}`);
          assert.equal(d.status.readyReplicas, 3);
        }
      }
      // The summary went to the workspace, written by the container's user.
      const summary = JSON.parse(readFileSync(join(ws, '.drone-gke-deploy.json'), 'utf8')) as {
        result: string;
        rollback?: { command?: string };
      };
      assert.equal(summary.result, 'deployed');

      const r = await runImage(imageRef('rollback'), { workspace: ws, ca, env: gke(ns) });
      assert.equal(r.code, 0, out(r));
      assertNoLeaks(`${r.stdout}\n${r.stderr}`, secrets);
      for (const cluster of [0, 1]) {
        const d = await deploymentOf(tb, cluster, ns);
        assert.equal(d.image, 'registry.local/app:v1');
        assert.equal(d.spec.template.metadata.annotations?.['drone-gke/build-number'], '1');
      }
    });

    it('gcs-static-sync syncs a folder to a fake-gcs-server bucket', async () => {
      const bucket = await createBucket(tb, 'img');
      const ws = openDir('ws');
      cpSync(join(FIXTURES, 'web'), join(ws, 'public'), { recursive: true });
      openTree(ws);
      const r = await runImage(imageRef('gcs-static-sync'), {
        workspace: ws,
        ca,
        env: {
          PLUGIN_SOURCE: 'public',
          PLUGIN_TARGET: bucket,
          PLUGIN_STORAGE_ENDPOINT: tb.gcs.url,
          PLUGIN_TOKEN: serviceAccountKey(tb),
          PLUGIN_TOKEN_URL: tb.gke.tokenUrl,
        },
      });
      assert.equal(r.code, 0, out(r));
      assertNoLeaks(`${r.stdout}\n${r.stderr}`, [serviceAccountKey(tb)]);
      assert.doesNotMatch(r.stderr, /Warning/, r.stderr);
      const local = (readdirSync(join(ws, 'public'), { recursive: true }) as string[])
        .filter((f) => statSync(join(ws, 'public', f)).isFile())
        .sort();
      assert.ok(local.length > 0);
      assert.deepEqual((await listObjectNames(tb, bucket)).sort(), local);
    });

    // Files over 4 MiB go up as resumable uploads, which the shipped bundle once failed while
    // the sources passed: the image is what users run, so it is checked here too.
    it('gcs-static-sync uploads 5 MB and 50 MB files (resumable), gzip off and on', async function () {
      this.timeout(600_000);
      const ws = openDir('ws');
      const sizes: Record<string, number> = { 'media/5mb.bin': 5_000_000, 'media/50mb.bin': 50_000_000 };
      const files = Object.keys(sizes);
      mkdirSync(join(ws, 'public', 'media'), { recursive: true });
      for (const [f, n] of Object.entries(sizes)) writeFileSync(join(ws, 'public', f), randomBytes(n));
      openTree(ws);
      try {
        for (const gzip of [false, true]) {
          const bucket = await createBucket(tb, gzip ? 'img-big-gz' : 'img-big');
          try {
            const r = await runImage(imageRef('gcs-static-sync'), {
              workspace: ws,
              ca,
              env: {
                PLUGIN_SOURCE: 'public',
                PLUGIN_TARGET: bucket,
                PLUGIN_STORAGE_ENDPOINT: tb.gcs.url,
                PLUGIN_TOKEN: serviceAccountKey(tb),
                PLUGIN_TOKEN_URL: tb.gke.tokenUrl,
                ...(gzip ? { PLUGIN_GZIP: 'bin' } : {}),
              },
            });
            assert.equal(r.code, 0, out(r));
            assert.match(r.stdout, /^uploaded: +2 files, /m);
            await assertStoredAsSource(tb, bucket, join(ws, 'public'), files, gzip);
          } finally {
            // fake-gcs-server keeps objects in memory, and the testbed is shared.
            await removeBucket(tb, bucket);
          }
        }
      } finally {
        rmSync(ws, { recursive: true, force: true });
      }
    });

    it('secret canaries: no image prints a secret on its failure paths', async () => {
      const shapes = {
        token: serviceAccountShape,
        // Port 39: nothing listens, and fetch does not block it (it blocks 9 and 1, among others).
        webhook: (c: string) => `http://127.0.0.1:39/services/T0/B0/${c}`,
        kubeconfig: (c: string) =>
          `apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: ${c}\n`,
      };
      const ws = openDir('ws');
      cpSync(join(FIXTURES, 'web'), ws, { recursive: true });
      openTree(ws);
      const cases: [string, PluginName, Record<string, string>, string[]][] = [];
      for (const plugin of PLUGINS) {
        const c = makeCanaries(await loadSchema(plugin), shapes);
        // Every secret at once: conflicting or unusable settings, reported without values.
        cases.push([`${plugin}, every secret setting`, plugin, { ...BUILD_ENV, ...c.env }, c.secrets]);
      }
      // Past the settings: a key that cannot sign, on the way to the clusters and the bucket.
      const key = serviceAccountShape(`canarytoken${randomBytes(9).toString('hex')}`);
      for (const plugin of ['gke-deploy', 'rollback'] as const) {
        const render: Record<string, string> =
          plugin === 'gke-deploy'
            ? { PLUGIN_VARS: JSON.stringify({ app: 'web', tag: 'v1', deadline: 6 }), SECRET_API_TOKEN: 'x' }
            : {};
        const env = { ...gke(uniqueNamespace('cn')), ...render, PLUGIN_TOKEN: key };
        cases.push([`${plugin}, a key that cannot sign`, plugin, env, [key]]);
      }
      const bucket = await createBucket(tb, 'cn');
      const sync = {
        PLUGIN_SOURCE: '.',
        PLUGIN_TARGET: bucket,
        PLUGIN_STORAGE_ENDPOINT: tb.gcs.url,
        PLUGIN_TOKEN_URL: tb.gke.tokenUrl,
        PLUGIN_TOKEN: key,
      };
      cases.push(['gcs-static-sync, a key it never needs', 'gcs-static-sync', sync, [key]]);
      const hook = makeCanaries(await loadSchema('slack-notify'), shapes);
      cases.push([
        'slack-notify, a webhook that refuses',
        'slack-notify',
        { ...BUILD_ENV, ...hook.env },
        hook.secrets,
      ]);
      const loud: Record<PluginName, Record<string, string>> = {
        'gke-deploy': { PLUGIN_VERBOSE: 'true' },
        rollback: {},
        'gcs-static-sync': { PLUGIN_DEBUG: 'true' },
        // Connection refused is retried until the timeout: keep it short.
        'slack-notify': { PLUGIN_DEBUG: 'true', PLUGIN_TIMEOUT: '3s' },
      };
      for (const [name, plugin, env, secrets] of cases) {
        const r = await runImage(imageRef(plugin), {
          workspace: ws,
          ca,
          env: { ...env, ...loud[plugin] },
        });
        assert.ok(r.stdout.length + r.stderr.length > 0, `${name}: no output`);
        assertNoLeaks(`${r.stdout}\n${r.stderr}`, secrets);
        log(`${name}: exit ${r.code}, ${r.stderr.trim().split('\n')[0]?.slice(0, 110)}`);
      }
    });

    it('slack-notify posts to the Slack sink', async () => {
      const before = (await slackRequests(tb)).length;
      const webhook = tb.slack.webhookUrl;
      const r = await runImage(imageRef('slack-notify'), {
        workspace: openDir('ws'),
        env: { ...BUILD_ENV, PLUGIN_WEBHOOK: webhook },
      });
      assert.equal(r.code, 0, out(r));
      assertNoLeaks(`${r.stdout}\n${r.stderr}`, [webhook]);
      const posted = (await slackRequests(tb)).slice(before);
      assert.equal(posted.length, 1, JSON.stringify(posted));
      assert.equal(posted[0]!.status, 200);
    });
  });
});
