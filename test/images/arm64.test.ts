// The linux/arm64 images (scripts/images/platforms.ts): each plugin's image is a manifest list
// of a linux/amd64 and a linux/arm64 image, and the arm64 one runs here through qemu-user-static
// (binfmt_misc), set up by the test as the other packages are. A machine that cannot (binfmt_misc
// not mountable, e.g. an unprivileged container) fails here, saying what it needs;
// DRONE_GKE_IMAGES_PLATFORMS=linux/amd64 (no arm64 image built) skips these tests, saying so.
import assert from 'node:assert/strict';
import {
  buildAll,
  buildPlatforms,
  DOCKERFILE,
  imageRef,
  platformRef,
  VERSION,
} from '../../scripts/images/build.ts';
import { ensureArm64Emulation } from '../../scripts/images/platforms.ts';
import { ensurePackages, podmanOk } from '../../scripts/images/podman.ts';
import { PLUGINS } from '../../scripts/plugins.ts';
import { inspect, out, runImage } from './run.ts';

const log = (line: string) => process.stderr.write(`      [arm64] ${line}\n`);
const ARM64 = 'linux/arm64';

describe('linux/arm64 images (qemu through binfmt_misc)', function () {
  this.timeout(180_000);

  before(async function () {
    this.timeout(60 * 60_000);
    const asked = process.env['DRONE_GKE_IMAGES_PLATFORMS'];
    if (asked && !buildPlatforms().includes(ARM64)) {
      log(`skipped: DRONE_GKE_IMAGES_PLATFORMS=${asked} builds no arm64 image`);
      this.skip();
    }
    await ensurePackages(log);
    ensureArm64Emulation(log);
    await buildAll(PLUGINS, log);
  });

  for (const plugin of PLUGINS) {
    describe(plugin, () => {
      const arm64 = platformRef(plugin, ARM64);

      it('is a manifest list of linux/amd64 and linux/arm64; the arm64 image is arm64', async () => {
        const list = JSON.parse(await podmanOk(['manifest', 'inspect', imageRef(plugin)])) as {
          manifests: { platform: { os: string; architecture: string } }[];
        };
        const platforms = list.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`);
        assert.deepEqual(platforms.sort(), ['linux/amd64', ARM64]);
        const img = await inspect(arm64);
        assert.equal(img.Architecture, 'arm64');
        assert.equal(img.Config.Labels?.['org.opencontainers.image.version'], VERSION);
        const r = await runImage(arm64, {
          platform: ARM64,
          entrypoint: '/nodejs/bin/node',
          args: ['-p', 'process.arch'],
        });
        assert.equal(r.code, 0, out(r));
        assert.equal(r.stdout.trim(), 'arm64');
      });

      it('--help runs under qemu', async () => {
        const r = await runImage(arm64, { platform: ARM64, args: ['--help'] });
        assert.equal(r.code, 0, out(r));
        assert.match(r.stdout, new RegExp(`^${plugin}: `));
        assert.match(r.stdout, new RegExp(`\n${plugin} ${VERSION.replace(/\./g, '\\.')}\n?$`));
      });

      it('a missing setting under qemu: exit 1 and the setting named on stderr', async () => {
        const r = await runImage(arm64, { platform: ARM64 });
        assert.equal(r.code, 1, out(r));
        assert.equal(r.stdout.split('\n')[0], `${plugin} ${VERSION}`);
        assert.match(r.stderr, new RegExp(`^${plugin} failed: .*invalid setting`, 'm'));
        assert.match(r.stderr, /setting "\w+" \(PLUGIN_\w+/);
      });

      if (DOCKERFILE[plugin] === 'Dockerfile.deploy') {
        it('its arm64 kubectl runs under qemu', async () => {
          const r = await runImage(arm64, {
            platform: ARM64,
            entrypoint: '/usr/local/bin/kubectl',
            args: ['version', '--client'],
          });
          assert.equal(r.code, 0, out(r));
          assert.match(r.stdout, /Client Version: v1\.34\./);
          // Its ELF header names the machine: 183 is EM_AARCH64 (an amd64 kubectl would run too).
          const elf = await runImage(arm64, {
            platform: ARM64,
            entrypoint: '/nodejs/bin/node',
            args: ['-p', 'require("fs").readFileSync("/usr/local/bin/kubectl").readUInt16LE(18)'],
          });
          assert.equal(elf.stdout.trim(), '183', out(elf));
        });
      }
    });
  }
});
