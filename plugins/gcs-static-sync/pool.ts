// A small concurrency pool (p-limit is not a dependency, and this is all it would do here):
// `limit` workers take the next item until none is left. Workers, not one promise per item,
// so 100,000 items cost no more memory than 16. A `fn` that throws rejects the whole, and
// the other workers stop after their current item; the sync's callers catch
// inside `fn` and record each failure, as a sync reports every failed file.

export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, worker: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (id: number) => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item, id);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const n = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: n }, (_, i) => worker(i)));
}
