// Secret canaries for tests: every secret setting gets a unique value, the plugin runs
// (in-process or as a child process), and everything it printed is searched for the
// canaries. The search does not reuse the masker: it decodes the output (URL, JSON, base64
// at every alignment) and looks for each canary and each line of it, so a masker bug
// cannot hide itself.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { main, type PluginModule } from '../../common/entry.ts';
import { createLogger, memorySink } from '../../common/log.ts';
import type { PluginSchema } from '../../common/schema.ts';

export type SecretShape = (canary: string) => string;

/** A fake service-account key whose private key lines carry the canary. */
export function serviceAccountShape(canary: string): string {
  const body = Buffer.from(`${canary}:${'k'.repeat(90)}`).toString('base64');
  const lines = body.match(/.{1,64}/g) ?? [body];
  const pem = ['-----BEGIN PRIVATE KEY-----', ...lines, '-----END PRIVATE KEY-----', ''].join('\n');
  return JSON.stringify({
    type: 'service_account',
    project_id: 'canary-project',
    private_key_id: `${canary}-kid`,
    private_key: pem,
    client_email: 'deployer@canary-project.iam.gserviceaccount.com',
    token_uri: 'https://127.0.0.1:1/token',
  });
}

export interface Canaries {
  /** PLUGIN_* variables holding the canaries (merge into the plugin's env). */
  env: Record<string, string>;
  /** The secret values as given, one per secret setting. */
  secrets: string[];
}

/**
 * One canary per secret setting of `schema`. `shapes` turns a canary into a value the
 * setting accepts (a URL for a webhook, a key JSON for a token); the default is the canary.
 */
export function makeCanaries(schema: PluginSchema, shapes: Record<string, SecretShape> = {}): Canaries {
  const env: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [key, spec] of Object.entries(schema.properties)) {
    if (!spec.secret) continue;
    const canary = `canary${key.replace(/_/g, '')}${randomBytes(9).toString('hex')}`;
    const value = (shapes[key] ?? ((c: string) => c))(canary);
    env[`PLUGIN_${key.toUpperCase()}`] = value;
    secrets.push(value);
  }
  return { env, secrets };
}

function jsonUnescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.startsWith('u') && e.length === 5) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' } as Record<string, string>)[e] ?? e;
  });
}

function urlDecode(s: string): string {
  return s.replace(/(%[0-9a-fA-F]{2})+/g, (m) => {
    try {
      return decodeURIComponent(m);
    } catch {
      return m;
    }
  });
}

function base64Decodings(s: string): string[] {
  const out: string[] = [];
  for (const run of s.match(/[A-Za-z0-9+/_-]{12,}={0,2}/g) ?? []) {
    const std = run.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
    for (let skip = 0; skip < 4; skip++) {
      const part = std.slice(skip);
      out.push(Buffer.from(part.slice(0, part.length - (part.length % 4)), 'base64').toString('latin1'));
      out.push(Buffer.from(part.slice(0, part.length - (part.length % 4)), 'base64').toString('utf8'));
    }
  }
  return out;
}

function needlesOf(secret: string): string[] {
  const needles = new Set<string>([secret.trim()]);
  const addLines = (text: string) => {
    for (const line of text.split(/\r?\n/)) {
      const l = line.trim();
      if (l.length >= 8 && !/^-----[A-Z ]+-----$/.test(l)) needles.add(l);
    }
  };
  addLines(secret);
  // Secret fields of a JSON credential count on their own too.
  try {
    const parsed = JSON.parse(secret) as Record<string, unknown>;
    for (const k of ['private_key', 'private_key_id']) {
      const v = parsed[k];
      if (typeof v === 'string') {
        needles.add(v.trim());
        addLines(v);
      }
    }
  } catch {
    // not JSON
  }
  return [...needles].filter((n) => n.length >= 8);
}

/** Each leak found: which secret, in which decoding of the output. Empty means clean. */
export function findLeaks(output: string, secrets: readonly string[]): string[] {
  const views: [string, string][] = [
    ['as is', output],
    ['URL-decoded', urlDecode(output)],
    ['JSON-unescaped', jsonUnescape(output)],
    ['URL-decoded, JSON-unescaped', jsonUnescape(urlDecode(output.replace(/\+/g, ' ')))],
  ];
  const decoded = base64Decodings(output).join('\n');
  views.push(['base64-decoded', decoded], ['base64-decoded, JSON-unescaped', jsonUnescape(decoded)]);
  const leaks: string[] = [];
  for (const secret of secrets) {
    for (const needle of needlesOf(secret)) {
      const where = views.find(([, text]) => text.includes(needle));
      if (where) leaks.push(`${JSON.stringify(needle.slice(0, 24))}... found ${where[0]}`);
    }
  }
  return leaks;
}

export function assertNoLeaks(output: string, secrets: readonly string[]): void {
  const leaks = findLeaks(output, secrets);
  if (leaks.length > 0)
    throw new Error(
      `secret canaries leaked into the output:\n  ${leaks.join('\n  ')}\n--- output ---\n${output}`,
    );
}

export interface Captured {
  code: number;
  output: string;
}

/** Runs a plugin in-process through its real entry, capturing every line it logs. */
export async function runInProcess(
  schema: PluginSchema,
  load: () => Promise<PluginModule>,
  env: Record<string, string>,
  argv: string[] = [],
): Promise<Captured> {
  const sink = memorySink();
  const before = process.exitCode;
  const code = await main({ schema, load, env, argv, deps: { log: createLogger({ sink }) } });
  process.exitCode = before;
  return { code, output: sink.text() };
}

/** Runs a command (a plugin bundle with node) with exactly `env`, capturing stdout and stderr. */
export function runChild(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
  cwd?: string,
): Promise<Captured & { stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      [...args],
      { env, cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, output: `${stdout}\n${stderr}` });
      },
    );
  });
}
