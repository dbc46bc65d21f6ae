// Child processes (kubectl and friends): argument arrays, never a secret on the command
// line, output streamed through the masker, timeouts, and errors that show the command,
// the exit code and the masked tail of stderr.
import { StringDecoder } from 'node:string_decoder';
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

/** A line splitter that calls `onLine` for each complete line and flushes the rest at the end. */
function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer | string): void; flush(): void } {
  let rest = '';
  return {
    push(chunk) {
      rest += chunk.toString();
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) onLine(p.replace(/\r$/, ''));
    },
    flush() {
      if (rest !== '') onLine(rest);
      rest = '';
    },
  };
}

/** How a command is shown in logs and errors: masked, arguments with spaces quoted. */
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
    const streamLine = (line: string) => {
      if (req.stream && !req.silent) log.info(`${req.prefix ?? ''}${line}`);
    };
    const outLines = lineSplitter(streamLine);
    const errLines = lineSplitter(streamLine);
    // Loaded on first use: plugins that never run a command do not pay for execa at start-up.
    const { execa } = await import('execa');
    const t0 = Date.now();
    const child = execa(req.command, [...req.args], {
      env: req.env as Record<string, string>,
      extendEnv: req.env === undefined,
      cwd: req.cwd,
      input: req.input,
      timeout: req.timeoutMs,
      reject: false,
      stripFinalNewline: false,
      encoding: 'utf8',
      ...(req.onStdout ? { buffer: { stdout: false, stderr: true } } : {}),
      ...(req.signal ? { cancelSignal: req.signal } : {}),
    });
    const onStdout = req.onStdout;
    // A chunk can end inside a UTF-8 character: the decoder keeps it for the next one.
    const decoder = new StringDecoder('utf8');
    child.stdout?.on('data', (c: Buffer) => {
      if (onStdout) onStdout(decoder.write(c));
      else outLines.push(c);
    });
    child.stderr?.on('data', (c: Buffer) => errLines.push(c));
    const r = await child;
    outLines.flush();
    errLines.flush();
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
