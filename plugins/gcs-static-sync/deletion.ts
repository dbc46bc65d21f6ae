// The fifth phase: deleting what is gone from the source, last, and only after a whole sync:
// never after a failure (the objects are left and counted), never after a cancellation (the
// deletes are counted as undone). Each delete that fails is logged and returned.
import { cancellation } from '../../common/cancel.ts';
import type { Logger } from '../../common/log.ts';
import { describeApiError } from './describe-error.ts';
import { forEachLimit } from './pool.ts';
import { createProgress } from './progress.ts';
import type { RemoteObject } from './remote.ts';
import { type WriteContext, type WriteResult, writeFailure } from './transfer.ts';
import { deleteObject } from './upload.ts';

export interface DeleteDeps {
  log: Logger;
  now: () => number;
  signal: AbortSignal;
}

/** `written` with the deletes of `deletes` done, blocked or left undone. */
export async function deleteExtra(
  deletes: readonly RemoteObject[],
  written: WriteResult,
  ctx: WriteContext,
  deps: DeleteDeps,
): Promise<WriteResult> {
  if (deletes.length === 0) return written;
  const stopped = cancellation(deps.signal);
  if (stopped) {
    deps.log.warn(
      `not deleting ${deletes.length} objects under ${ctx.where}: the run was cancelled (${stopped.signal}), and a delete must only follow a whole sync`,
    );
    return { ...written, undone: { ...written.undone, deletes: deletes.length } };
  }
  if (written.failures.length > 0) {
    deps.log.warn(
      `not deleting ${deletes.length} objects under ${ctx.where}: ${written.failures.length} files failed, and a delete must never follow a failure`,
    );
    return { ...written, blocked: written.blocked + deletes.length };
  }
  deps.log.section(`deleting from ${ctx.where}`);
  const r: WriteResult = {
    ...written,
    changed: [...written.changed],
    failures: [...written.failures],
    undone: { ...written.undone },
  };
  let done = 0;
  const report = createProgress(deps.log, 'delete', deps.now);
  await forEachLimit(deletes, ctx.concurrency, async (d) => {
    if (cancellation(deps.signal)) {
      r.undone.deletes += 1;
      return;
    }
    try {
      await deleteObject(await ctx.openBucket(), d.name);
      r.deleted += 1;
      r.changed.push(d.name);
      deps.log.debug(`deleted ${d.name}`);
    } catch (err) {
      r.failures.push(writeFailure(d.name, describeApiError(err, 'delete failed'), deps));
    }
    done += 1;
    report(`${done} of ${deletes.length} objects deleted`);
  });
  return r;
}
