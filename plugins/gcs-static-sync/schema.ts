// gcs-static-sync's settings. Names follow plugins/gcs (drone-gcs) where it has one.
import { credentialSettings, endpointSettings } from '../../common/gcp/credentials-schema.ts';
import type { PluginSchema } from '../../common/schema.ts';

export const schema = {
  plugin: 'gcs-static-sync',
  description:
    'Sync a folder of static assets to a Cloud Storage bucket: only what changed, the right content types and cache headers, safe deletes, Cloud CDN invalidation.',
  properties: {
    ...credentialSettings,
    token: { ...credentialSettings.token, aliases: ['json_key'] },
    source: {
      type: 'string',
      minLength: 1,
      description: 'Local folder to sync (relative to the workspace).',
    },
    target: {
      type: 'string',
      pattern: '^(gs://)?[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](/.*)?$',
      expected: 'bucket/prefix, such as my-assets/static (gs:// optional)',
      description: 'Destination: bucket, optionally followed by /prefix.',
    },
    ignore: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
      description:
        'Glob patterns of local files to leave out, relative to `source` (e.g. **/*.map; a pattern without a slash matches the name in any folder). Remote objects that match are never deleted.',
    },
    gzip: {
      type: 'array',
      items: { type: 'string', pattern: '^\\.?[A-Za-z0-9]+$', expected: 'a file extension such as js' },
      default: [],
      expected: 'file extensions such as js, css, html',
      description:
        'Extensions of files to store gzip-compressed with Content-Encoding: gzip. Their source MD5 is kept in custom metadata, so an unchanged file is not uploaded again.',
    },
    cache_control: {
      type: ['string', 'object', 'array'],
      additionalProperties: { type: 'string' },
      items: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1 },
      expected: 'a Cache-Control value, a map glob -> value, or a list of such maps',
      description:
        'Cache-Control for uploaded objects: one value for all; or rules glob -> value where the first matching glob wins, files that match none getting no Cache-Control. Write the rules as a list (`- "*.html": no-cache`) to fix their order: Drone passes a map with its keys sorted, so a map is matched in sorted order.',
    },
    metadata: {
      type: 'object',
      additionalProperties: { type: 'string' },
      default: {},
      description:
        'Custom metadata set on every uploaded object (JSON object of strings); a change is patched onto unchanged objects without re-uploading them.',
    },
    content_type: {
      type: 'object',
      additionalProperties: {
        type: 'string',
        pattern: '^[\\w.+-]+/[\\w.+-]+',
        expected: 'a MIME type such as application/wasm',
      },
      default: {},
      description:
        'Extension -> Content-Type overrides, over a full MIME table (e.g. {"wasm": "application/wasm"}).',
    },
    predefined_acl: {
      type: 'string',
      enum: [
        'authenticatedRead',
        'bucketOwnerFullControl',
        'bucketOwnerRead',
        'private',
        'projectPrivate',
        'publicRead',
      ] as const,
      description:
        'A predefined ACL for uploaded objects. None by default: buckets with uniform access reject ACLs.',
    },
    delete: {
      type: 'boolean',
      default: false,
      description:
        'Delete remote objects under the prefix that are not in the source: last, and only when the listing and every upload succeeded.',
    },
    delete_older_than: {
      type: 'string',
      format: 'duration',
      expected: 'a duration such as 24h or 7d',
      description:
        'With `delete`: only delete objects last updated longer ago than this, so pages cached before this deploy still find their assets.',
    },
    dry_run: {
      type: 'boolean',
      default: false,
      description: 'Print what would be uploaded, patched and deleted; change nothing.',
    },
    concurrency: {
      type: 'integer',
      minimum: 1,
      maximum: 256,
      default: 16,
      description: 'How many files are hashed, uploaded, patched or deleted at once.',
    },
    cdn_invalidate: {
      type: ['string', 'object'],
      pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$',
      properties: {
        url_map: { type: 'string', pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$' },
        paths: {
          anyOf: [
            { type: 'string', const: 'changed' },
            { type: 'array', minItems: 1, items: { type: 'string', pattern: '^/' } },
          ],
        },
        host: { type: 'string', pattern: '^[A-Za-z0-9.-]+(:\\d+)?$' },
        max_paths: { type: 'integer', minimum: 1, maximum: 100 },
      },
      required: ['url_map'],
      additionalProperties: false,
      expected:
        'a URL map name, or an object {url_map, paths: "changed" or a list of /paths, host, max_paths}',
      example: '{"url_map": "assets", "paths": "changed"}',
      description:
        'Invalidate Cloud CDN after the sync through the Compute API (urlMaps.invalidateCache): a URL map name, or {url_map, paths ("changed", the default: every uploaded, patched and deleted object, collapsed into folder/* patterns; or a list of /paths), host, max_paths (requests at most, default 10)}.',
    },
    debug: {
      type: 'boolean',
      default: false,
      description: 'Print a line for each object uploaded, patched or deleted, and stack traces of errors.',
    },
    storage_endpoint: {
      type: 'string',
      format: 'uri',
      pattern: '^https?://',
      expected: 'an http(s):// URL',
      description:
        'Override of the Cloud Storage API endpoint (default https://storage.googleapis.com), for tests and emulators. Credentials are only sent to *.googleapis.com endpoints.',
    },
    compute_endpoint: {
      type: 'string',
      format: 'uri',
      pattern: '^https?://',
      expected: 'an http(s):// URL',
      description: 'Override of the Compute Engine API endpoint used for CDN invalidation. For tests.',
    },
    token_url: { ...endpointSettings.token_url, pattern: '^https?://' },
  },
  required: ['source', 'target'],
} satisfies PluginSchema;
