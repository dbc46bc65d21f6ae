// Child processes (kubectl and friends): argument arrays, never a secret on the command
// line, output streamed through the masker, timeouts, and errors that show the command,
// the exit code and the masked tail of stderr.
import { ExecError, PluginError, TimeoutError } from './errors.ts';
import type { Logger } from './log.ts';

export interface ExecRequest {
  command: string;
  args: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Written to the child's stdin (the way secret manifests reach kubectl). */
  input?: string;
  timeoutMs?: number;
  /** Print each output line (masked) as it arrives, prefixed with `prefix`. */
  stream?: boolean;
  prefix?: string;
  /** Never print this command's output, even masked (used for rendered secret manifests). */
  silent?: boolean;
  /**
   * Each chunk of stdout as it arrives, for commands that run until stopped (kubectl get
   * --watch). Stdout is then not kept for the result.
   */
  onStdout?: (chunk: string) => void;
  /** Stops the command (SIGTERM); a command stopped this way is not a failure. */
  signal?: AbortSignal;
  /**
   * Exit codes besides 0 that are an answer, not a failure (`kubectl diff` exits 1 when there
   * are differences): the result comes back whole, with its exit code.
   */
  okExitCodes?: readonly number[];
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export type Exec = (req: ExecRequest) => Promise<ExecResult>;

const TAIL_LINES = 15;

function tail(text: string, lines: number): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

/**
 * An execa transform that hands each line, newline included (execa splits and decodes, a
 * UTF-8 character cut between chunks too), to `onLine`; `passOn` keeps it in the output.
 */
function eachLine(onLine: (line: string) => void, passOn: boolean) {
  return {
    *transform(line: unknown) {
      onLine(String(line));
      if (passOn) yield line;
    },
    preserveNewlines: true,
  };
}

/** Where each stream's lines go: printed (the logger masks them), or to `onStdout` (not kept). */
function outputOptions(req: ExecRequest, log: Logger) {
  const show = eachLine((line) => log.info(`${req.prefix ?? ''}${line.replace(/\r?\n$/, '')}`), true);
  const streamed = req.stream && !req.silent;
  return {
    ...(req.onStdout ? { stdout: eachLine(req.onStdout, false) } : streamed ? { stdout: show } : {}),
    ...(streamed ? { stderr: show } : {}),
  };
}

/**
 * How a command is shown in logs and errors: masked, arguments with spaces or quotes quoted.
 * Not execa's escapedCommand: that quotes every argument with a `=` or `:` in it, so each
 * kubectl line would read '--context=…' '--namespace=…', and the log lines users and tests
 * look for would change.
 */
export function showCommand(command: string, args: readonly string[], mask: (s: string) => string): string {
  return mask([command, ...args].map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' '));
}

export function createExec(log: Logger): Exec {
  const { masker } = log;
  return async (req) => {
    if (req.args.some((a) => masker.contains(a)) || masker.contains(req.command)) {
      // A programming error, not a user one: secrets go through files or env, never argv.
      throw new PluginError(`refusing to run ${req.command}: a secret would appear on its command line`);
    }
    const shown = showCommand(req.command, req.args, (s) => masker.mask(s));
    // Loaded on first use: plugins that never run a command do not pay for execa at start-up.
    const { execa } = await import('execa');
    const t0 = Date.now();
    const r = await execa(req.command, [...req.args], {
      env: req.env as Record<string, string>,
      extendEnv: req.env === undefined,
      cwd: req.cwd,
      input: req.input,
      timeout: req.timeoutMs,
      reject: false,
      stripFinalNewline: false,
      encoding: 'utf8',
      ...outputOptions(req, log),
      ...(req.signal ? { cancelSignal: req.signal } : {}),
    });
    log.debug(
      `${shown} -> ${r.isCanceled ? 'stopped' : `exit ${r.exitCode ?? r.signal ?? '?'}`} in ${Date.now() - t0} ms`,
    );
    const stdout = String(r.stdout ?? '');
    const stderr = String(r.stderr ?? '');
    if (r.isCanceled) return { stdout, stderr, exitCode: r.exitCode ?? 0 };
    if (r.exitCode !== undefined && req.okExitCodes?.includes(r.exitCode) && !r.timedOut) {
      return { stdout, stderr, exitCode: r.exitCode };
    }
    const stderrTail = req.silent ? '(output hidden)' : masker.mask(tail(stderr || stdout, TAIL_LINES));
    if (r.timedOut) {
      throw new TimeoutError(
        `${shown} did not finish within ${Math.round((req.timeoutMs ?? 0) / 1000)} s\n${stderrTail}`,
      );
    }
    if (r.failed) {
      if (r.exitCode === undefined && r.signal === undefined) {
        const missing = (r.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
        const why = missing
          ? `${req.command} was not found: is it installed and on PATH?`
          : `could not start ${shown}`;
        throw new PluginError(why, { cause: r.cause });
      }
      throw new ExecError({ command: shown, exitCode: r.exitCode, signal: r.signal, stderrTail });
    }
    return { stdout, stderr, exitCode: r.exitCode ?? 0 };
  };
}
