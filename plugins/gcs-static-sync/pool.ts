// A small concurrency pool (p-limit is not a dependency, and this is all it would do here):
// `limit` workers take the next item until none is left. Workers, not one promise per item,
// so 100,000 items cost no more memory than 16. `fn` must not throw: it records its own
// failures (a sync reports every failed file rather than stopping at the first).

export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, worker: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (id: number) => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item, id);
    }
  };
  const n = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: n }, (_, i) => worker(i)));
}
