// Cards: what Drone's UI shows for a step beside its log. The runner tells a step where to
// write one in DRONE_CARD_PATH — "/dev/stdout" on every step (drone/runner-go
// environ/environ.go) — and the card is JSON `{"schema": <URL of an Adaptive Card template>,
// "data": <the values the template shows>}` (drone/drone-go's CardInput, which runner-go's
// pipeline/uploader/upload.go decodes). On stdout the JSON goes base64-encoded between
// ESC]1338; and ESC]0m on a line of its own; the runner takes that line out of the log and
// uploads it (runner-go livelog/extractor/writer.go). Any other path is a file that gets the
// JSON itself, as the Drone plugins do (drone-plugins/drone-docker card.go; Harness sets a file).
import { writeFileSync } from 'node:fs';
import type { Masker } from './mask.ts';
import type { Env } from './settings.ts';

/** Where the project's Adaptive Card templates (docs/cards/) are published. */
export const CARD_SCHEMA_BASE =
  'https://raw.githubusercontent.com/drone-gke-plugins/drone-gke-plugins/main/docs/cards';

export interface Card {
  /** The URL of the template that shows `data`. */
  schema: string;
  data: Readonly<Record<string, unknown>>;
}

const STREAMS = new Set(['/dev/stdout', '/dev/stderr']);

/** The card's JSON, every secret the masker knows replaced (a card is shown to everyone who sees the build). */
export function cardJson(card: Card, masker: Masker): string {
  const masked = masker.mask(JSON.stringify(card));
  // A mask inside a JSON string keeps it valid; anything else would be a bug to find here, not in the UI.
  JSON.parse(masked);
  return masked;
}

/** The line a runner reads a card from in a step's output. */
export function cardLine(json: string): string {
  return `\u001b]1338;${Buffer.from(json, 'utf8').toString('base64')}\u001b]0m\n`;
}

/**
 * Writes `card` where DRONE_CARD_PATH says: as a card line through `stream` for /dev/stdout
 * or /dev/stderr, into the file otherwise. Returns where it went, or undefined when the
 * variable is not set (outside Drone, or with cards turned off).
 */
export function writeCard(
  env: Env,
  card: Card,
  deps: { masker: Masker; stream: (path: string, text: string) => void },
): string | undefined {
  const path = env.DRONE_CARD_PATH;
  if (!path) return undefined;
  const json = cardJson(card, deps.masker);
  if (STREAMS.has(path)) deps.stream(path, cardLine(json));
  else writeFileSync(path, `${json}\n`);
  return path;
}

/** The real stream writer: one write, so that the line reaches the runner whole. */
export function writeToStream(path: string, text: string): void {
  (path === '/dev/stderr' ? process.stderr : process.stdout).write(text);
}
