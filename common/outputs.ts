// Output variables for Harness CI: a plugin step appends KEY=VALUE lines to the file that
// DRONE_OUTPUT names, and later steps read them as <+steps.ID.output.outputVariables.KEY>
// (Harness docs, "Plugin step settings": output variables). Harness's lite-engine reads the
// file as a dotenv file and decodes a value written as __B64__<base64> (harness/lite-engine
// pipeline/runtime/common.go, fetchExportedVarsFromEnvFile). A raw newline in a value would
// end it there and turn the rest into lines of their own, a way to forge another variable;
// quotes, `#`, `$` and backslashes mean something to a dotenv reader. Such values, and any
// that is not plain text, are therefore written base64-encoded, which Harness turns back
// into the exact value.
import { appendFileSync } from 'node:fs';
import type { Masker } from './mask.ts';
import type { Env } from './settings.ts';

export type Outputs = Readonly<Record<string, string | undefined>>;

const KEY = /^[A-Z][A-Z0-9_]*$/;
/** What a dotenv reader does not read as written: control and non-ASCII characters, quotes, #, $, \. */
const UNSAFE = /[^\x20-\x7e]|["'`#$\\]/;
const B64 = '__B64__';

/** One KEY=VALUE line, the value base64-encoded (with Harness's __B64__ prefix) unless it is plain. */
export function outputLine(key: string, value: string): string {
  if (!KEY.test(key)) throw new Error(`output variable name ${JSON.stringify(key)} is not UPPER_SNAKE_CASE`);
  const plain = value === value.trim() && !UNSAFE.test(value) && !value.startsWith(B64);
  return `${key}=${plain ? value : `${B64}${Buffer.from(value, 'utf8').toString('base64')}`}\n`;
}

/** The lines for `outputs` (undefined values left out), secrets masked first. */
export function formatOutputs(outputs: Outputs, masker: Masker): string {
  return Object.entries(outputs)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => outputLine(k, masker.mask(v)))
    .join('');
}

/**
 * Appends `outputs` to the DRONE_OUTPUT file when the variable names one (Harness creates
 * it; other steps' lines stay). Returns the file written, or undefined when there is none.
 */
export function writeOutputs(env: Env, outputs: Outputs, masker: Masker): string | undefined {
  const file = env.DRONE_OUTPUT;
  if (!file) return undefined;
  appendFileSync(file, formatOutputs(outputs, masker));
  return file;
}
