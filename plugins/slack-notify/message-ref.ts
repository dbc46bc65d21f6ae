// The remembered message: where `phase: start` posted (the channel's ID and the message's ts),
// kept in a small file in the workspace so that `phase: finish`, in another container, updates
// that message instead of posting another. Written atomically (a temporary file renamed over
// it), so a reader never sees half of it. It holds no secret.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { errorMessage, PluginError } from '../../common/errors.ts';

export interface MessageRef {
  /** The channel's ID, as Slack answered it (chat.update needs the ID, not a name). */
  channel: string;
  ts: string;
  /** The build that posted it: a file left from another build is not updated. */
  build: number | undefined;
}

export type RefLookup = { found: true; ref: MessageRef } | { found: false; why: string };

function isRef(value: unknown): value is MessageRef {
  const v = value as Partial<MessageRef> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.channel === 'string' &&
    /^[A-Z0-9]+$/.test(v.channel) &&
    typeof v.ts === 'string' &&
    /^\d+\.\d+$/.test(v.ts) &&
    (v.build === undefined || v.build === null || typeof v.build === 'number')
  );
}

/** The message `start` remembered for this build, or why there is none to update. */
export function readMessageRef(path: string, build: number | undefined): RefLookup {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      found: false,
      why: code === 'ENOENT' ? `no ${path} (no start message)` : `${path} cannot be read (${code})`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { found: false, why: `${path} is not JSON` };
  }
  if (!isRef(parsed)) return { found: false, why: `${path} does not hold a message reference` };
  if (parsed.build !== undefined && parsed.build !== null && build !== undefined && parsed.build !== build) {
    return { found: false, why: `${path} is from build #${parsed.build}, not this build #${build}` };
  }
  return { found: true, ref: { channel: parsed.channel, ts: parsed.ts, build: parsed.build ?? undefined } };
}

/** Writes the reference atomically. Throws PluginError naming the file and the setting. */
export function writeMessageRef(path: string, ref: MessageRef): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, `${JSON.stringify(ref)}\n`, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (err) {
    throw new PluginError(
      `could not remember the Slack message in ${path} (message_file): ${errorMessage(err)}; a later finish step posts a new message instead of updating this one`,
    );
  }
}
