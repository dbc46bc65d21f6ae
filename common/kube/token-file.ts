// GKE access tokens for kubectl, through a kubeconfig `tokenFile`: a 0600 file that this
// process keeps fresh while it runs. kubectl (client-go) reads the file when it starts and
// re-reads it every minute, so a rollout longer than a token's hour keeps working, and no
// kubectl call pays for starting a credential helper process.
import { writeFileSync } from 'node:fs';
import { errorMessage } from '../errors.ts';
import type { AccessToken } from '../gcp/auth.ts';
import type { Logger } from '../log.ts';

export interface TokenRefresher {
  /** Stops the refresh timer (the run is over). */
  stop(): void;
  /** Checks once, now; resolves when the file holds a token valid for a while. */
  refresh(): Promise<void>;
}

export interface TokenRefreshOptions {
  file: string;
  first: AccessToken;
  /** google-auth-library returns its cached token until it is close to expiry, then a new one. */
  getToken: () => Promise<AccessToken>;
  log: Logger;
  intervalMs?: number;
}

export function startTokenRefresh(opts: TokenRefreshOptions): TokenRefresher {
  let current = opts.first.token;
  writeFileSync(opts.file, current, { mode: 0o600 });
  const refresh = async () => {
    try {
      const t = await opts.getToken();
      opts.log.masker.add(t.token);
      if (t.token !== current) {
        writeFileSync(opts.file, t.token, { mode: 0o600 });
        current = t.token;
        opts.log.debug('refreshed the GKE access token');
      }
    } catch (err) {
      // The old token may still be valid for minutes: warn and try again at the next tick.
      opts.log.warn(`could not refresh the Google access token: ${errorMessage(err)}`);
    }
  };
  const timer = setInterval(() => void refresh(), opts.intervalMs ?? 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer), refresh };
}
