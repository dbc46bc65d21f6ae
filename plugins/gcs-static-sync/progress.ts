// Progress lines for long phases only: nothing during the first few seconds of a phase (a
// small sync prints just its summary), then at most one line per interval (the logger's).
import type { Logger } from '../../common/log.ts';

export const PROGRESS_AFTER_MS = 5000;

export function createProgress(
  log: Logger,
  key: string,
  now: () => number,
  afterMs = PROGRESS_AFTER_MS,
): (message: string) => void {
  const start = now();
  return (message) => {
    if (now() - start >= afterMs) log.progress(key, message);
  };
}
