// What a failed Cloud Storage call says to the person reading the log: the common failures
// (no bucket, no permission) with what to do about them.
import { errorMessage } from '../../common/errors.ts';

/** The HTTP status of a failed call: the listing's HttpError, or the storage library's ApiError. */
function statusOf(err: unknown): unknown {
  const e = err as { status?: unknown; code?: unknown };
  return e.status ?? e.code;
}

export function describeApiError(err: unknown, what: string): string {
  const code = statusOf(err);
  const msg = errorMessage(err);
  if (code === 404) return `${what}: not found (does the bucket exist?): ${msg}`;
  if (code === 401 || code === 403)
    return `${what}: permission denied (does the service account have roles/storage.objectAdmin on the bucket?): ${msg}`;
  return `${what}: ${msg}`;
}
