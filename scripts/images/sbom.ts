// Each image's software bill of materials (CycloneDX JSON, written by `npm sbom` in the build
// stage, Dockerfile.*) is in the image at /opt/plugin/sbom.cdx.json; this copies it out,
// beside the image, to dist/images/<plugin>-<version>.cdx.json. The image has no shell and no
// `cat`: its own node prints the file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginName } from '../plugins.ts';
import { podmanOk, ROOT } from './podman.ts';

/** Where the SBOM is in every image (the label drone-gke-plugins.sbom says the same). */
export const SBOM_IN_IMAGE = '/opt/plugin/sbom.cdx.json';

export const sbomFile = (plugin: PluginName, version: string): string =>
  join(ROOT, 'dist', 'images', `${plugin}-${version}.cdx.json`);

/** The SBOM as the image carries it. */
export function readSbom(ref: string): Promise<string> {
  const print = `process.stdout.write(require("fs").readFileSync(${JSON.stringify(SBOM_IN_IMAGE)}))`;
  return podmanOk([
    'run',
    '--rm',
    '--pull=never',
    '--network=none',
    '--entrypoint',
    '/nodejs/bin/node',
    ref,
    '-e',
    print,
  ]);
}

/** Copies the image's SBOM to dist/images/; returns the file. */
export async function writeSbom(plugin: PluginName, ref: string, version: string): Promise<string> {
  const file = sbomFile(plugin, version);
  mkdirSync(join(ROOT, 'dist', 'images'), { recursive: true });
  writeFileSync(file, await readSbom(ref));
  return file;
}
