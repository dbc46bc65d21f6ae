// The one way to run a step on every cluster at once: every cluster gets its turn, and when
// any failed, one error names each of them with why — not only the first to fail.
import { ClusterFailuresError, errorMessage } from '../errors.ts';

export interface SettleOptions {
  /** Keep only the first line of each failure (a kubectl error's tail is noise in a list). */
  firstLine?: boolean;
}

/**
 * Runs `work` on every item at once and returns the results in order; throws a
 * ClusterFailuresError naming (by `name`) every item whose work failed.
 */
export async function settleAll<T, R>(
  items: readonly T[],
  name: (item: T) => string,
  work: (item: T) => Promise<R>,
  opts: SettleOptions = {},
): Promise<R[]> {
  const settled = await Promise.allSettled(items.map(work));
  const failures = settled.flatMap((r, i) => {
    if (r.status === 'fulfilled') return [];
    const message = errorMessage(r.reason);
    return [
      {
        cluster: name(items[i] as T),
        message: opts.firstLine ? (message.split('\n')[0] as string) : message,
      },
    ];
  });
  if (failures.length > 0) throw new ClusterFailuresError(failures, items.length);
  return settled.map((r) => (r as PromiseFulfilledResult<R>).value);
}
