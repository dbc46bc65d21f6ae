// Google Cloud credential settings, shared by every plugin that talks to Google APIs.
import type { SettingSpec } from '../schema.ts';

export const credentialSettings = {
  token: {
    type: 'string',
    secret: true,
    env: ['TOKEN', 'GOOGLE_CREDENTIALS'],
    description:
      'Google Cloud credentials: a service-account JSON key or an external_account (workload identity federation) config, as JSON or base64. Without it, Application Default Credentials are used (GOOGLE_APPLICATION_CREDENTIALS, then the metadata server).',
  },
  project: {
    type: 'string',
    pattern: '^[a-z][a-z0-9-]{4,28}[a-z0-9]$',
    expected: 'a Google Cloud project ID such as my-project-123',
    description: 'Google Cloud project ID. Defaults to the project of the credentials in `token`.',
  },
} satisfies Record<string, SettingSpec>;

export const endpointSettings = {
  token_url: {
    type: 'string',
    format: 'uri',
    expected: 'an https:// URL',
    description:
      "Override of the OAuth 2.0 token endpoint for service-account keys (default https://oauth2.googleapis.com/token; google-auth-library ignores the key's token_uri). external_account configs use their own token_url. For tests and private endpoints.",
  },
} satisfies Record<string, SettingSpec>;
