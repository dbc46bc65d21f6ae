// How a plugin is stopped from outside. A runner that cancels a build, or a person's
// `docker stop`, sends SIGTERM (a terminal's Ctrl-C sends SIGINT) and waits a grace period
// before SIGKILL. The first signal aborts the run's AbortSignal: a plugin that can stop
// cleanly (roll back, stop uploading) does so and throws CancelledError. A second signal
// ends the process at once, after removing its secret files. SIGKILL cannot be caught: what
// must survive it is kept elsewhere (gke-deploy's record on the cluster).
import { PluginError } from './errors.ts';
import type { Logger } from './log.ts';

export type StopSignal = 'SIGTERM' | 'SIGINT';

/** 128 + the signal's number, as a shell reports a process ended by it. */
export const SIGNAL_EXIT_CODE: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

export class CancelledError extends PluginError {
  override readonly name = 'CancelledError';
  readonly signal: StopSignal;

  constructor(signal: StopSignal, message = `cancelled by ${signal}`) {
    super(message);
    this.signal = signal;
  }
}

/** The CancelledError a signal was aborted with, if it was aborted by a stop signal. */
export function cancellation(signal: AbortSignal | undefined): CancelledError | undefined {
  return signal?.aborted && signal.reason instanceof CancelledError ? signal.reason : undefined;
}

/** Throws the run's CancelledError when the run has been cancelled. */
export function throwIfCancelled(signal: AbortSignal | undefined, what?: string): void {
  const c = cancellation(signal);
  if (!c) return;
  throw what ? new CancelledError(c.signal, `cancelled by ${c.signal} ${what}`) : c;
}

export interface StopHandlers {
  /** Aborted (with a CancelledError) by the first SIGTERM or SIGINT. */
  readonly signal: AbortSignal;
  /** Removes the handlers: the process's default behaviour comes back. */
  dispose(): void;
}

export interface StopOptions {
  plugin: string;
  log: Logger;
  /**
   * Whether the plugin stops cleanly on its own. When false, the first signal is handled
   * like a second one: secret files removed, then exit.
   */
  cancellable: boolean;
  /** Runs before the process exits on a second signal (removes secret files); must be synchronous. */
  onExit: () => void;
}

/** Installs the SIGTERM and SIGINT handlers of one plugin run. */
export function handleStopSignals(opts: StopOptions): StopHandlers {
  const controller = new AbortController();
  let count = 0;
  const exitNow = (sig: StopSignal) => {
    opts.log.error(`${opts.plugin} stopped by ${sig}${count > 1 ? ' (second signal)' : ''}`);
    try {
      opts.onExit();
    } finally {
      process.exit(SIGNAL_EXIT_CODE[sig]);
    }
  };
  const handler = (sig: StopSignal) => {
    count += 1;
    if (count > 1 || !opts.cancellable) {
      exitNow(sig);
      return;
    }
    opts.log.warn(`received ${sig}: ${opts.plugin} is stopping cleanly (a second signal ends it at once)`);
    controller.abort(new CancelledError(sig));
  };
  const onTerm = () => handler('SIGTERM');
  const onInt = () => handler('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    },
  };
}

/**
 * Aborted `graceMs` after `signal` is: how long a cancelled run may still wait (for a
 * rollback to become healthy) before it gives up and exits.
 */
export function graceAfter(signal: AbortSignal, graceMs: number, label = 'cancel_grace'): AbortSignal {
  const over = new AbortController();
  const start = () => {
    setTimeout(() => over.abort(new PluginError(`${label} ran out`)), graceMs).unref();
  };
  if (signal.aborted) start();
  else signal.addEventListener('abort', start, { once: true });
  return over.signal;
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
