// The offline check of the Dockerfiles' pins (scripts/images/pins.ts) and the rewrite that
// update-pins.ts applies, on the real Dockerfiles and on edited copies. No network, no podman.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKERFILES } from '../../scripts/images/base-refs.ts';
import { checkDockerfile, checkPins, type Pins, readPins } from '../../scripts/images/pins.ts';
import { ROOT } from '../../scripts/images/podman.ts';
import { locate, rewriteDockerfile, tokenUrl } from '../../scripts/images/update-pins.ts';

describe('Dockerfile pins against scripts/images/pins.json', () => {
  const pins = readPins();
  const deploy = readFileSync(join(ROOT, 'Dockerfile.deploy'), 'utf8');
  const other = `sha256:${'0'.repeat(64)}`;

  it('the Dockerfiles match the table', () => {
    assert.deepEqual(checkPins(pins), []);
  });

  it('names a base digest that is not the one recorded for its tag', () => {
    const edited = deploy.replace(pins.bases['node:24-bookworm-slim']!, other);
    const problems = checkDockerfile('Dockerfile.deploy', edited, pins);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0]!, /node:24-bookworm-slim@sha256:0+ but pins\.json records sha256:3638/);
  });

  it('names a kubectl checksum that is not the release checksum of the version the image names', () => {
    const edited = deploy.replace(
      /^ARG KUBECTL_SHA256_ARM64=.*$/m,
      `ARG KUBECTL_SHA256_ARM64=${'1'.repeat(64)}`,
    );
    assert.deepEqual(checkDockerfile('Dockerfile.deploy', edited, pins), [
      "Dockerfile.deploy: KUBECTL_SHA256_ARM64 is not kubectl v1.34.3's arm64 checksum",
    ]);
    const bumped = deploy.replace(/kubectl:v1\.34\.3@/, 'kubectl:v1.35.0@');
    const problems = checkDockerfile('Dockerfile.deploy', bumped, pins);
    assert.ok(
      problems.some((p) => /registry\.k8s\.io\/kubectl:v1\.35\.0 is not in/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /no kubectl v1\.35\.0 checksums/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /checksum URL names v1\.34\.3, the image v1\.35\.0/.test(p)),
      problems.join('\n'),
    );
  });

  it('names a platform the images are built for without its kubectl checksum', () => {
    const edited = deploy.replace(/^ARG KUBECTL_SHA256_ARM64=.*\n/m, '');
    assert.deepEqual(checkDockerfile('Dockerfile.deploy', edited, pins), [
      'Dockerfile.deploy: no KUBECTL_SHA256_ARM64 (the images are built for linux/arm64)',
    ]);
  });

  it('update-pins rewrites a Dockerfile to a new table: digests, kubectl tag, checksums, URL', () => {
    const next: Pins = {
      bases: { ...pins.bases, 'registry.k8s.io/kubectl:v1.35.0': other },
      kubectl: { 'v1.35.0': { amd64: 'a'.repeat(64), arm64: 'b'.repeat(64) } },
    };
    delete next.bases['registry.k8s.io/kubectl:v1.34.3'];
    const out = rewriteDockerfile(deploy, next, 'v1.35.0');
    assert.deepEqual(checkDockerfile('Dockerfile.deploy', out, next), []);
    assert.match(
      out,
      /FROM (?:--platform=\S+ )?registry\.k8s\.io\/kubectl:v1\.35\.0@sha256:0{64} AS kubectl/,
    );
    assert.match(out, /dl\.k8s\.io\/release\/v1\.35\.0\//);
    for (const f of DOCKERFILES) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      assert.equal(rewriteDockerfile(text, pins, 'v1.34.3'), text, `${f} is already up to date`);
    }
  });

  it('update-pins finds each registry, and its anonymous token from the challenge', () => {
    assert.deepEqual(locate('node:24-bookworm-slim'), {
      host: 'registry-1.docker.io',
      repo: 'library/node',
      tag: '24-bookworm-slim',
    });
    assert.deepEqual(locate('gcr.io/distroless/nodejs24-debian12:nonroot'), {
      host: 'gcr.io',
      repo: 'distroless/nodejs24-debian12',
      tag: 'nonroot',
    });
    assert.equal(
      tokenUrl(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull"',
      ),
      'https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fnode%3Apull',
    );
    assert.equal(tokenUrl('Basic realm="x"'), undefined);
  });
});
