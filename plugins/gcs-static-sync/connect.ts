// The first phase: Google's client and the CDN's project, settled before anything changes.
// The client is needed for the listing's tokens when the endpoint is Google's, and for the CDN.
import type { Agent } from 'node:https';
import { PluginError } from '../../common/errors.ts';
import { createGoogleClient, type GoogleClient } from '../../common/gcp/auth.ts';
import { sendsCredentials } from './endpoint.ts';
import type { Settings } from './settings.ts';

export interface Connection {
  google: GoogleClient | undefined;
  /** The project (for the CDN and the storage library), when known. */
  project: string | undefined;
}

export async function connect(settings: Settings, httpsAgent: Agent | undefined): Promise<Connection> {
  if (!settings.cdn && !sendsCredentials(settings.storageEndpoint))
    return { google: undefined, project: settings.project };
  const google = await createGoogleClient({
    credentials: settings.credentials,
    keyFile: settings.keyFile,
    tokenUrl: settings.tokenUrl,
    agent: httpsAgent,
  });
  if (!settings.cdn) return { google, project: settings.project };
  const project = settings.project ?? (await google.projectId());
  if (!project)
    throw new PluginError(
      'setting "project" (PLUGIN_PROJECT) is needed for "cdn_invalidate": the credentials name no project',
    );
  return { google, project };
}

/** A bearer token for each Cloud Storage request, or undefined: none goes to an emulator. */
export function storageToken(
  endpoint: string | undefined,
  google: GoogleClient | undefined,
): (() => Promise<string>) | undefined {
  const client = sendsCredentials(endpoint) ? google : undefined;
  return client ? async () => (await client.getAccessToken()).token : undefined;
}
