// The `token` setting: a credentials JSON (service-account key or external_account config),
// given as is or base64-encoded. Parse errors get fixed messages: JSON.parse's own message
// quotes the input, which is a secret.

export interface CredentialsJson {
  type: string;
  project_id?: string;
  quota_project_id?: string;
  [key: string]: unknown;
}

export type ParsedCredentials =
  | { ok: true; json: string; credentials: CredentialsJson }
  | { ok: false; problem: string };

function parseObject(text: string): CredentialsJson | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as CredentialsJson;
  } catch {
    // reported by the caller with a fixed message
  }
  return undefined;
}

/** Decodes `token`; `json` is the decoded JSON text (a new form of the secret, to mask too). */
export function parseCredentials(token: string): ParsedCredentials {
  const text = token.trim();
  let json = text;
  if (!text.startsWith('{')) {
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text.replace(/\s+/g, '')))
      return { ok: false, problem: 'is neither a credentials JSON nor base64-encoded JSON' };
    json = Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8').trim();
    if (!json.startsWith('{'))
      return { ok: false, problem: 'is neither a credentials JSON nor base64-encoded JSON' };
  }
  const credentials = parseObject(json);
  if (!credentials)
    return { ok: false, problem: 'is not valid JSON (the value is not shown: it is a secret)' };
  if (typeof credentials.type !== 'string')
    return {
      ok: false,
      problem: 'has no "type": expected a service-account key or an external_account config',
    };
  if (credentials.type === 'service_account') {
    for (const field of ['client_email', 'private_key']) {
      if (typeof credentials[field] !== 'string')
        return { ok: false, problem: `is a service-account key without "${field}"` };
    }
  }
  return { ok: true, json, credentials };
}
