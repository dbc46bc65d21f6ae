// Post-deploy HTTP checks: a URL, the status it must answer, an optional body pattern,
// retried a few times, since a load balancer may take a moment to send traffic to new pods.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration } from '../../common/duration.ts';
import { errorMessage } from '../../common/errors.ts';

export interface VerifyCheck {
  url: string;
  status: number;
  body?: RegExp | undefined;
  retries: number;
  intervalMs: number;
}

type VerifySetting =
  | string
  | { url?: string; status?: number; body?: string; retries?: number; interval?: string };

export function toChecks(items: readonly VerifySetting[]): VerifyCheck[] {
  return items.map((item) => {
    const o = typeof item === 'string' ? { url: item } : item;
    return {
      url: o.url as string,
      status: o.status ?? 200,
      body: o.body !== undefined ? new RegExp(o.body) : undefined,
      retries: o.retries ?? 5,
      intervalMs: o.interval ? parseDuration(o.interval) : 3000,
    };
  });
}

export type Fetch = (
  url: string,
  init?: { signal?: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

/** Runs one check; resolves to undefined when it passed, else to why it failed. */
export async function runCheck(check: VerifyCheck, fetchFn: Fetch): Promise<string | undefined> {
  let last = '';
  for (let attempt = 0; attempt <= check.retries; attempt++) {
    if (attempt > 0) await sleep(check.intervalMs);
    try {
      const res = await fetchFn(check.url, { signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      if (res.status !== check.status) last = `answered HTTP ${res.status}, expected ${check.status}`;
      else if (check.body && !check.body.test(text)) last = `body does not match /${check.body.source}/`;
      else return undefined;
    } catch (err) {
      last = `request failed: ${errorMessage(err)}`;
    }
  }
  return `${check.url} ${last} (after ${check.retries + 1} attempts)`;
}
