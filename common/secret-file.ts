// Secrets handed to child processes go through files, never argv: mode 0600 inside a
// private 0700 folder in the system temp folder (outside the Drone workspace, which later
// steps and caches can read), removed when the run ends.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SecretFiles {
  /** Writes `content` to a new 0600 file and returns its path. */
  write(name: string, content: string): string;
  /** The private folder (0700) the files live in. */
  readonly dir: string;
  /** Removes the folder and every file in it. */
  cleanup(): void;
}

export function createSecretFiles(base: string = tmpdir()): SecretFiles {
  let dir: string | undefined;
  const ensure = () => {
    dir ??= mkdtempSync(join(base, 'drone-gke-'));
    return dir;
  };
  return {
    write(name, content) {
      const file = join(ensure(), name.replace(/[^\w.-]/g, '_'));
      writeFileSync(file, content, { mode: 0o600, flag: 'w' });
      return file;
    },
    get dir() {
      return ensure();
    },
    cleanup() {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}
