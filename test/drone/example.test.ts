// examples/.drone.yml is what users copy: no line in it may exist only for the tests, and its
// images are the published names at the X.Y of package.json's version.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { PLUGINS } from '../../scripts/plugins.ts';
import { PINNED_PIPELINE_FILE, pinByDigest } from './pin.ts';
import { PIPELINE_FILE, pipelineImages } from './pipeline.ts';
import { EXAMPLE_TAG } from './registry-mirror.ts';

describe('examples/.drone.yml as users copy it', () => {
  const text = readFileSync(PIPELINE_FILE, 'utf8');

  it('has no test-only line: no pull: never, no network_mode, no privileged, no local volume', () => {
    for (const re of [/^\s*#?\s*pull:/m, /network_mode/, /privileged/, /^\s*#?\s*volumes:/m]) {
      assert.doesNotMatch(text, re);
    }
  });

  it(`names every plugin image drone-gke-plugins/<plugin>:${EXAMPLE_TAG}, commented ones too`, () => {
    const images = [...text.matchAll(/^\s*(?:# )?\s*image: (\S+)$/gm)].map((m) => m[1]);
    assert.ok(images.length >= 5, images.join(', '));
    for (const image of images) {
      assert.match(image ?? '', new RegExp(`^drone-gke-plugins/(${PLUGINS.join('|')}):${EXAMPLE_TAG}$`));
    }
    assert.deepEqual(
      pipelineImages().sort(),
      ['gcs-static-sync', 'gke-deploy', 'rollback', 'slack-notify'].map(
        (p) => `drone-gke-plugins/${p}:${EXAMPLE_TAG}`,
      ),
    );
  });

  it(`the run's ${PINNED_PIPELINE_FILE} differs from it by the rollback image, pinned by digest`, () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const pinned = pinByDigest(text, 'rollback', digest);
    const changed = pinned.split('\n').filter((l, i) => l !== text.split('\n')[i]);
    assert.deepEqual(changed, [`    image: drone-gke-plugins/rollback@${digest}`]);
    for (const d of parseAllDocuments(pinned)) assert.deepEqual(d.errors, []);
    assert.throws(() => pinByDigest(text, 'rollback', 'latest'), /not a digest/);
  });
});
