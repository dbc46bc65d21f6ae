// Plain, readable log lines for Drone's log view, with every registered secret masked.
// Drone shows each line as is (no colours, no cursor tricks), so progress is a new line
// at most every few seconds rather than a redrawn bar.
import { Masker } from './mask.ts';

export interface LogSink {
  out(line: string): void;
  err(line: string): void;
}

export const processSink: LogSink = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export interface Logger {
  readonly masker: Masker;
  info(message: string): void;
  warn(message: string): void;
  /** A failure line, to stderr, without prefix (the plugin's name leads it). */
  error(message: string): void;
  /** Only printed when debug output is on (`debug: true`). */
  debug(message: string): void;
  /** A heading that separates the phases of a run. */
  section(title: string): void;
  /**
   * A progress line for long work, printed at most once per `intervalMs` for each `key`
   * (and always when `final` is true), so a long rollout does not flood the log.
   */
  progress(key: string, message: string, final?: boolean): void;
  setDebug(on: boolean): void;
}

export interface LoggerOptions {
  masker?: Masker;
  sink?: LogSink;
  debug?: boolean;
  /** Minimum time between two progress lines with the same key. */
  progressIntervalMs?: number;
  now?: () => number;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const masker = opts.masker ?? new Masker();
  const sink = opts.sink ?? processSink;
  const now = opts.now ?? Date.now;
  const interval = opts.progressIntervalMs ?? 5000;
  const lastProgress = new Map<string, number>();
  let debugOn = opts.debug ?? false;

  const emit = (write: (line: string) => void, prefix: string, message: string) => {
    for (const line of masker.mask(message).split(/\r?\n/)) write(prefix + line);
  };

  return {
    masker,
    info: (m) => emit(sink.out, '', m),
    warn: (m) => emit(sink.err, 'warning: ', m),
    error: (m) => emit(sink.err, '', m),
    debug: (m) => {
      if (debugOn) emit(sink.out, 'debug: ', m);
    },
    section: (title) => emit(sink.out, '', `\n== ${title}`),
    progress: (key, m, final = false) => {
      const t = now();
      const last = lastProgress.get(key);
      if (!final && last !== undefined && t - last < interval) return;
      lastProgress.set(key, t);
      emit(sink.out, '', m);
    },
    setDebug: (on) => {
      debugOn = on;
    },
  };
}

/** Collects lines in memory; for tests and for capturing a child's output. */
export function memorySink(): LogSink & { lines: string[]; text(): string } {
  const lines: string[] = [];
  return {
    lines,
    out: (l) => lines.push(l),
    err: (l) => lines.push(l),
    text: () => lines.join('\n'),
  };
}
