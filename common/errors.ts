// One error hierarchy for every plugin. Each error's message is written for the person
// reading the Drone log: what went wrong and how to fix it. `cause` is kept for debugging.

export class PluginError extends Error {
  override readonly name: string = 'PluginError';
}

/** One problem with one setting, named as in .drone.yml and as its environment variable. */
export interface SettingIssue {
  /** The setting's name as written in .drone.yml, e.g. `wait_seconds`. */
  setting: string;
  /** The variable that was read, e.g. `PLUGIN_WAIT_SECONDS` (or an alias such as `TOKEN`). */
  variable: string;
  /** What is wrong and what is expected, e.g. `expected a whole number, got "ten"`. */
  problem: string;
}

export function formatIssue(issue: SettingIssue): string {
  return `setting "${issue.setting}" (${issue.variable}): ${issue.problem}`;
}

export class SettingsError extends PluginError {
  override readonly name = 'SettingsError';
  readonly issues: readonly SettingIssue[];

  constructor(issues: readonly SettingIssue[], hints: readonly string[] = []) {
    const lines = issues.map((i) => `  - ${formatIssue(i)}`);
    const head = issues.length === 1 ? 'invalid setting' : `${issues.length} invalid settings`;
    const notes = hints.map((h) => `\n  note: ${h}`).join('');
    super(`${head}:\n${lines.join('\n')}${notes}`);
    this.issues = [...issues];
  }
}

export interface ExecErrorDetails {
  /** The command as it may be shown: arguments already masked. */
  command: string;
  exitCode: number | undefined;
  signal?: string | undefined;
  /** The last lines of stderr, already masked. */
  stderrTail: string;
}

export class ExecError extends PluginError {
  override readonly name = 'ExecError';
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly stderrTail: string;

  constructor(details: ExecErrorDetails, options?: { cause?: unknown }) {
    const how =
      details.exitCode !== undefined
        ? `exit code ${details.exitCode}`
        : `signal ${details.signal ?? 'unknown'}`;
    const tail = details.stderrTail ? `\n${details.stderrTail}` : '';
    super(`${details.command} failed (${how})${tail}`, options);
    this.command = details.command;
    this.exitCode = details.exitCode;
    this.stderrTail = details.stderrTail;
  }
}

export class HttpError extends PluginError {
  override readonly name = 'HttpError';
  readonly status: number | undefined;

  constructor(message: string, status: number | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

export class TimeoutError extends PluginError {
  override readonly name = 'TimeoutError';
}

/** One of several clusters (or other places) that failed, named as the log names it, with why. */
export interface ClusterFailure {
  cluster: string;
  message: string;
}

/** Some of several clusters failed the same step: the message lists each with why. */
export class ClusterFailuresError extends PluginError {
  override readonly name: string = 'ClusterFailuresError';
  readonly failures: readonly ClusterFailure[];
  readonly total: number;

  constructor(failures: readonly ClusterFailure[], total: number) {
    super(failures.map((f) => `  - ${f.cluster}: ${f.message}`).join('\n'));
    this.failures = failures;
    this.total = total;
  }

  /** "<head> on 1 of 2 cluster(s)<tail>:\n  - id: why" */
  describe(head: string, tail: string): string {
    return `${head} on ${this.failures.length} of ${this.total} cluster(s)${tail}:\n${this.message}`;
  }
}

/** The clusters whose deploy lock could not be taken (unreachable, no namespace, held), each with why. */
export class LockError extends ClusterFailuresError {
  override readonly name = 'LockError';
}

/** The message of anything thrown, without a stack. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
