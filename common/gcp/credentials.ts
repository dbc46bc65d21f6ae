// The `token` setting: a Google credentials JSON (service account or external_account),
// given raw or base64-encoded. Decoded forms are registered with the masker at once.
import { type SettingIssue, SettingsError } from '../errors.ts';
import type { Masker } from '../mask.ts';

export interface GoogleCredentials {
  type: 'service_account' | 'external_account' | 'authorized_user' | 'impersonated_service_account';
  /** The parsed JSON, as google-auth-library takes it. */
  json: Record<string, unknown>;
  projectId: string | undefined;
  /** Who the credentials act as, for log lines (a service-account e-mail, or the audience). */
  principal: string;
}

const TYPES = new Set([
  'service_account',
  'external_account',
  'authorized_user',
  'impersonated_service_account',
]);

/** The JSON text (decoded from base64 when it is not JSON itself) and its value. */
function decode(raw: string): { text: string; value: unknown } | 'not-json' | 'broken-json' {
  const trimmed = raw.trim();
  const text = trimmed.startsWith('{') ? trimmed : Buffer.from(trimmed, 'base64').toString('utf8').trim();
  if (!text.startsWith('{')) return 'not-json';
  try {
    return { text, value: JSON.parse(text) };
  } catch {
    return 'broken-json';
  }
}

/** The first of `keys` whose value in `json` is a string. */
function firstString(json: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = json[k];
    if (typeof v === 'string') return v;
  }
  return undefined;
}

/**
 * Parses the credentials in `raw` (the value of `setting`, read from `variable`). Errors
 * have fixed wording: a JSON.parse message would quote the secret.
 */
export function parseCredentials(
  raw: string,
  masker: Masker,
  setting = 'token',
  variable = 'PLUGIN_TOKEN',
): GoogleCredentials {
  const fail = (problem: string): never => {
    const issue: SettingIssue = { setting, variable, problem };
    throw new SettingsError([issue]);
  };
  const decoded = decode(raw);
  if (decoded === 'not-json')
    return fail(
      'is neither a JSON credentials file nor base64 of one (the value is secret, so it is not shown)',
    );
  if (decoded === 'broken-json')
    return fail(
      'is not valid JSON (the value is not shown: it is a secret); paste the whole key file, or its base64',
    );
  // The decoded text is a new form of the secret, as written (its own spacing, line by line).
  masker.add(decoded.text);
  const parsed = decoded.value;
  masker.add(JSON.stringify(parsed));
  masker.add(JSON.stringify(parsed, null, 2));
  const json = parsed as Record<string, unknown>;
  const type = json.type;
  if (typeof type !== 'string' || !TYPES.has(type)) {
    return fail(
      `has "type": ${JSON.stringify(typeof type === 'string' ? type : null)}; expected a service_account key or an external_account (workload identity) config`,
    );
  }
  if (
    type === 'service_account' &&
    (typeof json.private_key !== 'string' || typeof json.client_email !== 'string')
  ) {
    return fail(
      'is a service_account key without private_key or client_email: download a new JSON key for the service account',
    );
  }
  const principal = firstString(json, 'client_email', 'audience') ?? type;
  const projectId = firstString(json, 'project_id', 'quota_project_id');
  return { type: type as GoogleCredentials['type'], json, projectId, principal };
}
