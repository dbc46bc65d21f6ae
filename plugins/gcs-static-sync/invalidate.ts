// The sixth phase: Cloud CDN invalidation of what changed (or of the paths given). A dry run
// prints what it would send; a run cancelled before its writes were all done sends nothing and
// says what a person must invalidate later. A failure does not end the run here: the summary
// comes first.
import type { GoogleClient } from '../../common/gcp/auth.ts';
import type { Logger } from '../../common/log.ts';
import { cdnSkippedMessage, nothingLeft } from './cancelled.ts';
import { COMPUTE_ENDPOINT, invalidateCdn } from './cdn.ts';
import { collapsePaths, urlPathsOf } from './cdn-paths.ts';
import type { RetryOptions } from './retry.ts';
import type { Settings } from './settings.ts';
import type { WriteResult } from './transfer.ts';

export interface Invalidation {
  error?: unknown;
  /** Not sent because the run was cancelled half way. */
  skipped: boolean;
}

export interface InvalidateDeps {
  log: Logger;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  storageRetry?: Partial<RetryOptions> | undefined;
}

export async function invalidate(
  settings: Settings,
  connection: { google: GoogleClient | undefined; project: string | undefined },
  written: WriteResult,
  deps: InvalidateDeps,
): Promise<Invalidation> {
  const { cdn } = settings;
  const { google, project } = connection;
  if (!cdn || !google || !project) return { skipped: false };
  const paths =
    cdn.paths === 'changed' ? collapsePaths(urlPathsOf(written.changed), cdn.maxPaths) : cdn.paths;
  deps.log.section(`CDN invalidation (URL map ${cdn.urlMap})`);
  if (paths.length === 0) {
    deps.log.info('nothing changed: no invalidation');
    return { skipped: false };
  }
  if (settings.dryRun) {
    for (const p of paths) deps.log.info(`would invalidate ${p}`);
    return { skipped: false };
  }
  if (!nothingLeft(written.undone)) {
    deps.log.warn(cdnSkippedMessage(paths, cdn.paths === 'changed'));
    return { skipped: true };
  }
  try {
    await invalidateCdn(
      {
        endpoint: settings.computeEndpoint ?? COMPUTE_ENDPOINT,
        project,
        urlMap: cdn.urlMap,
        host: cdn.host,
        paths,
      },
      {
        ...deps,
        retry: deps.storageRetry,
        accessToken: async () => (await google.getAccessToken()).token,
      },
    );
    return { skipped: false };
  } catch (err) {
    return { error: err, skipped: false };
  }
}
