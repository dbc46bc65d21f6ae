// `target` -> bucket and object-name prefix. The schema's pattern catches the obvious;
// this applies the rest of Cloud Storage's bucket naming rules and keeps the prefix clean,
// so that an object name is always `prefix + relative path`.

export interface BucketTarget {
  bucket: string;
  /** '' or a prefix ending in '/', e.g. 'static/'. */
  prefix: string;
}

export type ParsedTarget = { ok: true; target: BucketTarget } | { ok: false; problem: string };

const LABEL = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/;

/** Why `bucket` breaks Cloud Storage's naming rules, or undefined when it does not. */
function bucketProblem(bucket: string): string | undefined {
  if (bucket === '') return 'the bucket name is missing';
  if (!/^[a-z0-9._-]+$/.test(bucket))
    return `bucket "${bucket}": only lower-case letters, digits, dots, dashes and underscores are allowed`;
  const max = bucket.includes('.') ? 222 : 63;
  if (bucket.length < 3 || bucket.length > max)
    return `bucket "${bucket}" must be 3 to ${max} characters long`;
  const labels = bucket.split('.');
  if (labels.some((l) => !LABEL.test(l) || l.length > 63))
    return `bucket "${bucket}": each dot-separated part must start and end with a letter or digit and be at most 63 characters`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return `bucket "${bucket}" must not look like an IP address`;
  if (bucket.startsWith('goog') || bucket.includes('google'))
    return `bucket "${bucket}" must not start with "goog" or contain "google"`;
  return undefined;
}

/** Parses `bucket`, `bucket/prefix`, `gs://bucket/prefix/` (a trailing slash is optional). */
export function parseBucketTarget(text: string): ParsedTarget {
  const trimmed = text.trim().replace(/^gs:\/\//, '');
  const slash = trimmed.indexOf('/');
  const bucket = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const rest = slash < 0 ? '' : trimmed.slice(slash + 1).replace(/\/+$/, '');
  const problem = bucketProblem(bucket);
  if (problem) return { ok: false, problem };
  if (rest !== '') {
    const parts = rest.split('/');
    if (parts.some((p) => p === ''))
      return { ok: false, problem: `prefix "${rest}" has an empty folder name ("//")` };
    if (parts.some((p) => p === '.' || p === '..'))
      return { ok: false, problem: `prefix "${rest}" must not contain "." or ".." folders` };
    if (/[\u0000-\u001f\u007f]/.test(rest))
      return { ok: false, problem: `prefix ${JSON.stringify(rest)} contains control characters` };
    if (Buffer.byteLength(rest, 'utf8') > 512)
      return { ok: false, problem: 'the prefix is longer than 512 bytes' };
  }
  return { ok: true, target: { bucket, prefix: rest === '' ? '' : `${rest}/` } };
}

/** gs://bucket/prefix for messages. */
export function showTarget(t: BucketTarget): string {
  return `gs://${t.bucket}/${t.prefix}`;
}
