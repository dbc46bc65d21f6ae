// Cloud CDN invalidation through the Compute API: one urlMaps.invalidateCache request per
// path (POST {endpoint}/compute/v1/projects/{project}/global/urlMaps/{urlMap}/invalidateCache
// with {path, host?}), sent one after the other, each retried by the plugin's one policy
// (retry.ts: 408, 429, 5xx and network errors, backoff from 1 s).
// The answer is a long-running Operation; invalidation takes minutes, so it is logged, not
// awaited.
import { errorMessage, HttpError } from '../../common/errors.ts';
import { googleApiErrorMessage } from '../../common/gcp/api-error.ts';
import type { Logger } from '../../common/log.ts';
import { type RetryOptions, withRetry } from './retry.ts';

export const COMPUTE_ENDPOINT = 'https://compute.googleapis.com';

export interface InvalidateRequest {
  endpoint: string;
  project: string;
  urlMap: string;
  host?: string | undefined;
  paths: readonly string[];
}

export interface CdnDeps {
  fetch: typeof fetch;
  /** Called once per request; google-auth-library caches the token until it expires. */
  accessToken: () => Promise<string>;
  log: Logger;
  sleep: (ms: number) => Promise<void>;
  retry?: Partial<RetryOptions> | undefined;
}

export function invalidateUrl(r: Pick<InvalidateRequest, 'endpoint' | 'project' | 'urlMap'>): string {
  const base = r.endpoint.replace(/\/+$/, '');
  return `${base}/compute/v1/projects/${encodeURIComponent(r.project)}/global/urlMaps/${encodeURIComponent(r.urlMap)}/invalidateCache`;
}

/** One try: the Operation's name, or an HttpError (status undefined: no answer, worth another try). */
async function attempt(url: string, body: string, deps: CdnDeps): Promise<string> {
  let res: Response;
  let text: string;
  try {
    const token = await deps.accessToken();
    res = await deps.fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    text = await res.text();
  } catch (err) {
    throw new HttpError(errorMessage(err), undefined, { cause: err });
  }
  if (!res.ok)
    throw new HttpError(
      `HTTP ${res.status}: ${googleApiErrorMessage(text) ?? text.slice(0, 300)}`,
      res.status,
    );
  try {
    return String((JSON.parse(text) as { name?: unknown }).name ?? '');
  } catch {
    return '';
  }
}

/** Sends every request; throws after the last one when any failed, naming each failed path. */
export async function invalidateCdn(req: InvalidateRequest, deps: CdnDeps): Promise<void> {
  const url = invalidateUrl(req);
  // A token that cannot be had (a bad key, no ADC) fails every request alike: say it once.
  try {
    await deps.accessToken();
  } catch (err) {
    throw new HttpError(
      `CDN invalidation: could not get an access token for the Compute API: ${errorMessage(err)}`,
      undefined,
      {
        cause: err,
      },
    );
  }
  const failed: string[] = [];
  for (const path of req.paths) {
    const body = JSON.stringify(req.host ? { path, host: req.host } : { path });
    try {
      const op = await withRetry(() => attempt(url, body, deps), deps);
      deps.log.info(
        `invalidated ${path}${req.host ? ` on ${req.host}` : ''}${op ? ` (operation ${op})` : ''}`,
      );
    } catch (err) {
      failed.push(`${path}: ${errorMessage(err)}`);
      deps.log.error(`CDN invalidation of ${path} failed: ${errorMessage(err)}`);
    }
  }
  if (failed.length > 0)
    throw new HttpError(
      `CDN invalidation failed for ${failed.length} of ${req.paths.length} paths on URL map "${req.urlMap}": ${failed.join('; ')}`,
      undefined,
    );
}
