// The second phase: the source walked and hashed while the prefix is listed (neither needs
// the other), then the few CRC32Cs the listing asks for. Nothing is changed yet, so a failed
// listing ends the run saying so.
import type { Agent } from 'node:https';
import { PluginError } from '../../common/errors.ts';
import type { GoogleClient } from '../../common/gcp/auth.ts';
import type { Logger } from '../../common/log.ts';
import type { Env } from '../../common/settings.ts';
import { storageToken } from './connect.ts';
import { describeApiError } from './describe-error.ts';
import { createIgnoreMatcher } from './ignore.ts';
import { createListClient } from './list-client.ts';
import { createProgress } from './progress.ts';
import { listRemote, type RemoteObject } from './remote.ts';
import type { RetryOptions } from './retry.ts';
import type { Settings } from './settings.ts';
import { completeHashes, type HashedSource, scanSource } from './source.ts';
import { showTarget } from './target.ts';

export interface Survey extends HashedSource {
  remote: Map<string, RemoteObject>;
  ignored: number;
}

export interface SurveyDeps {
  log: Logger;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  httpsAgent?: Agent | undefined;
  storageRetry?: Partial<RetryOptions> | undefined;
}

export async function survey(
  settings: Settings,
  google: GoogleClient | undefined,
  env: Env,
  deps: SurveyDeps,
): Promise<Survey> {
  const { log } = deps;
  let hashed = 0;
  const hashProgress = createProgress(log, 'hash', deps.now);
  const scanning = scanSource(settings, createIgnoreMatcher(settings.ignore), {
    concurrency: settings.concurrency,
    progress: (done, total) => {
      hashed = done;
      hashProgress(`hashed ${done} of ${total} files`);
    },
    debug: (message) => log.debug(message),
  });
  // Awaited below; this keeps a failure from counting as unhandled meanwhile.
  scanning.catch(() => undefined);
  const where = showTarget(settings.target);
  log.section(`listing ${where}`);
  let remote: Map<string, RemoteObject>;
  try {
    remote = await listPrefix(settings, google, env, deps, () => hashed);
  } catch (err) {
    await scanning.catch(() => undefined);
    throw new PluginError(`${describeApiError(err, `listing ${where} failed`)}; nothing was changed`, {
      cause: err,
    });
  }
  log.info(`${remote.size} objects under ${where}`);

  log.section(`hashing ${settings.source}`);
  const scan = await scanning;
  const source = await completeHashes(scan, remote);
  for (const f of source.failures) log.error(`failed: ${f.path}: ${f.problem}`);
  log.info(`${source.files.length} files${scan.ignored > 0 ? `, ${scan.ignored} ignored` : ''}`);
  return { ...source, remote, ignored: scan.ignored };
}

/** Every object under the prefix; `hashed` says how far the hashing got meanwhile. */
async function listPrefix(
  settings: Settings,
  google: GoogleClient | undefined,
  env: Env,
  deps: SurveyDeps,
  hashed: () => number,
): Promise<Map<string, RemoteObject>> {
  const folders = Math.min(settings.concurrency, 8);
  const lister = await createListClient({
    endpoint: settings.storageEndpoint,
    bucket: settings.target.bucket,
    token: storageToken(settings.storageEndpoint, google),
    retry: deps.storageRetry,
    sleep: deps.sleep,
    httpsAgent: deps.httpsAgent,
    env,
    maxSockets: folders,
  });
  const progress = createProgress(deps.log, 'list', deps.now);
  try {
    return await listRemote(
      lister,
      settings.target.prefix,
      (n) => progress(`listed ${n} objects${hashed() > 0 ? ` (${hashed()} files hashed meanwhile)` : ''}`),
      folders,
    );
  } finally {
    lister.close();
  }
}
