// The one top-level handler of each plugin: --help, then run, then `<plugin> failed: …`
// and exit code 1 on any error. Only what --help needs is loaded up front; the plugin and
// its dependencies are imported when it runs, so --help starts fast.
import { CancelledError, cancellation, handleStopSignals, SIGNAL_EXIT_CODE } from './cancel.ts';
import { errorMessage, SettingsError } from './errors.ts';
import { renderHelp, versionLine } from './help.ts';
import { createLogger, type Logger } from './log.ts';
import type { BaseDeps } from './plugin.ts';
import type { PluginSchema } from './schema.ts';
import type { Env } from './settings.ts';

export interface PluginModule {
  run(env: Env, deps?: Partial<BaseDeps>): Promise<void>;
}

export interface EntryOptions {
  schema: PluginSchema;
  load: () => Promise<PluginModule>;
  argv?: readonly string[];
  env?: Env;
  /** Replaces the defaults (tests pass a logger writing to memory). */
  deps?: Partial<BaseDeps>;
  /**
   * Starts what the plugin will need early (gcs-static-sync's hashing threads), while its code
   * loads: called once a run is certain (not for --help or a stray argument), before loading.
   */
  beforeLoad?: () => void;
  /**
   * The plugin stops cleanly on SIGTERM/SIGINT (it watches `deps.signal`). Otherwise the first
   * signal removes the secret files and ends the process, as a second signal always does.
   */
  cancellable?: boolean;
}

let epipeGuarded = false;

/** `--help | head` closes the pipe early: that is not a failure. */
function guardAgainstEpipe(): void {
  if (epipeGuarded) return;
  epipeGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

/** Runs a plugin as a command; resolves to its exit code (also set on process.exitCode). */
export async function main(opts: EntryOptions): Promise<number> {
  const name = opts.schema.plugin;
  const argv = opts.argv ?? process.argv.slice(2);
  const env = opts.env ?? process.env;
  const log: Logger = opts.deps?.log ?? createLogger();
  const finish = (code: number) => {
    process.exitCode = code;
    return code;
  };
  guardAgainstEpipe();
  if (argv.includes('--help') || argv.includes('-h')) {
    log.info(renderHelp(opts.schema));
    return finish(0);
  }
  // Which release ran, first: what a build log is read for when a plugin upgrade is suspected.
  log.info(versionLine(name));
  if (argv.length > 0) {
    log.error(
      `${name} failed: unexpected argument ${JSON.stringify(argv[0])}; settings come from PLUGIN_* variables (see --help)`,
    );
    return finish(1);
  }
  let deps: BaseDeps | undefined;
  // Should the run's promise be dropped unsettled (a library that loses a callback), Node
  // would exit 0 once nothing is left to do: a step that did half its work would pass.
  let settled = false;
  const dropped = () => {
    if (!settled)
      log.error(
        `${name} failed: it stopped before finishing (an operation never answered); this is a bug, please report it`,
      );
  };
  process.exitCode = 1;
  process.once('exit', dropped);
  const stop = handleStopSignals({
    plugin: name,
    log,
    cancellable: opts.cancellable === true,
    onExit: () => deps?.secretFiles.cleanup(),
  });
  try {
    opts.beforeLoad?.();
    const [{ withBaseDeps }, mod] = await Promise.all([import('./plugin.ts'), opts.load()]);
    deps = withBaseDeps({ signal: stop.signal, ...opts.deps, log });
    await mod.run(env, deps);
    // Stopped by a signal but finished anyway (nothing was left to do): still not a success,
    // so a runner never reads a cancelled step as a passed one.
    const stopped = cancellation(deps.signal);
    if (stopped) {
      log.error(`${name} ${stopped.message}`);
      return finish(SIGNAL_EXIT_CODE[stopped.signal]);
    }
    return finish(0);
  } catch (err) {
    const cancelled = err instanceof CancelledError ? err : cancellation(deps?.signal);
    if (cancelled) {
      const what = err instanceof CancelledError ? err.message : `${cancelled.message}: ${errorMessage(err)}`;
      log.error(`${name} ${what}`);
      return finish(SIGNAL_EXIT_CODE[cancelled.signal]);
    }
    const hint = err instanceof SettingsError ? `\nrun with --help to list ${name}'s settings` : '';
    // The logger masks every registered secret, also inside error messages.
    log.error(`${name} failed: ${errorMessage(err)}${hint}`);
    if (env.PLUGIN_DEBUG === 'true' && err instanceof Error && err.stack) log.info(err.stack);
    return finish(1);
  } finally {
    settled = true;
    process.off('exit', dropped);
    deps?.secretFiles.cleanup();
    stop.dispose();
  }
}
