// The one top-level handler of each plugin: --help, then run, then `<plugin> failed: …`
// and exit code 1 on any error. The plugin itself is loaded only when it runs, so --help
// starts fast.
import { errorMessage, SettingsError } from './errors.ts';
import { renderHelp } from './help.ts';
import { type BaseDeps, createBaseDeps } from './plugin.ts';
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
  deps?: BaseDeps;
}

/** Runs a plugin as a command; resolves to its exit code (also set on process.exitCode). */
export async function main(opts: EntryOptions): Promise<number> {
  const name = opts.schema.plugin;
  const argv = opts.argv ?? process.argv.slice(2);
  const env = opts.env ?? process.env;
  const deps = opts.deps ?? createBaseDeps();
  const finish = (code: number) => {
    process.exitCode = code;
    return code;
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    deps.log.info(renderHelp(opts.schema));
    return finish(0);
  }
  if (argv.length > 0) {
    deps.log.error(
      `${name} failed: unexpected argument ${JSON.stringify(argv[0])}; settings come from PLUGIN_* variables (see --help)`,
    );
    return finish(1);
  }
  try {
    const mod = await opts.load();
    await mod.run(env, deps);
    return finish(0);
  } catch (err) {
    const hint = err instanceof SettingsError ? `\nrun with --help to list ${name}'s settings` : '';
    // The logger masks every registered secret, also inside error messages.
    deps.log.error(`${name} failed: ${errorMessage(err)}${hint}`);
    if (env.PLUGIN_DEBUG === 'true' && err instanceof Error && err.stack) deps.log.debug(err.stack);
    return finish(1);
  } finally {
    deps.secretFiles.cleanup();
  }
}
