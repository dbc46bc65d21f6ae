// The Node flags an image's entrypoint gives its plugin (e.g. gcs-static-sync's
// --max-semi-space-size), read from the Dockerfile, so a benchmark runs the bundle the way the
// image does and its memory figures are the image's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function imageNodeFlags(root: string, dockerfile: string): string[] {
  const text = readFileSync(join(root, dockerfile), 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('ENTRYPOINT '));
  if (!line) throw new Error(`${dockerfile} has no ENTRYPOINT line`);
  const argv = JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
  // ["/nodejs/bin/node", ...flags, "/opt/plugin/index.js"]
  return argv.slice(1, -1);
}
