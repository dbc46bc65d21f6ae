// Small files go up in one request each, a multipart upload (the object's JSON resource, then
// its bytes) sent over node:http keep-alive connections (http-client.ts), instead of through
// @google-cloud/storage: the library's machinery per request (its request wrappers, streams,
// abort signals, a fresh duplex per upload) cost ~1 ms of CPU per file, most of the CPU of an
// initial upload of small files. The same safety: the resource carries the body's MD5, which
// Cloud Storage checks before it stores anything (a mismatch is a 400, not retried), and the
// answer's MD5 is compared again; the plugin's retry policy (retry.ts) on 408, 429, 5xx and
// broken connections, none after a cancel; the same metadata (content type, cache control,
// content encoding, custom metadata) and `predefined_acl`. No precondition, as in storage.ts:
// the same bytes sent again are harmless, a 412 after a lost answer would not be.
import { PluginError } from '../../common/errors.ts';
import { nodeCrypto } from './builtins.ts';
import { storageRoot } from './endpoint.ts';
import { bearer, createHttpClient, type HttpClientOptions, jsonOf } from './http-client.ts';
import { type RetryDeps, withRetry } from './retry.ts';

/** The object resource sent with the bytes (the JSON API's names). */
export interface ObjectResource {
  name: string;
  contentType?: string | undefined;
  cacheControl?: string | undefined;
  contentEncoding?: string | undefined;
  metadata: Record<string, string>;
  /** base64 MD5 of the bytes sent: the server refuses the upload when they differ. */
  md5Hash: string;
}

export interface MultipartOptions extends HttpClientOptions, RetryDeps {
  endpoint: string | undefined;
  bucket: string;
  /** A bearer token for each request; undefined sends none (emulators). */
  token: (() => Promise<string>) | undefined;
  predefinedAcl?: string | undefined;
}

export interface MultipartUploader {
  upload(resource: ObjectResource, body: Buffer): Promise<void>;
  close(): void;
}

/** The request body: the resource, then the bytes, as multipart/related. */
export function multipartBody(resource: ObjectResource, body: Buffer, boundary: string): Buffer {
  const type = resource.contentType ?? 'application/octet-stream';
  const head =
    `--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(resource)}\r\n` +
    `--${boundary}\r\ncontent-type: ${type}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), body, Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1')]);
}

function uploadUrl(endpoint: string | undefined, bucket: string, acl: string | undefined): URL {
  const url = new URL(`${storageRoot(endpoint)}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o`);
  url.searchParams.set('uploadType', 'multipart');
  url.searchParams.set('fields', 'name,md5Hash');
  if (acl) url.searchParams.set('predefinedAcl', acl);
  return url;
}

export async function createMultipartUploader(opts: MultipartOptions): Promise<MultipartUploader> {
  const http = await createHttpClient(new URL(`${storageRoot(opts.endpoint)}/`), opts);
  const base = uploadUrl(opts.endpoint, opts.bucket, opts.predefinedAcl).href;
  // Random per run, so it cannot be guessed into a file; a part that held it would be cut.
  const boundary = `gcs-static-sync-${nodeCrypto().randomBytes(16).toString('hex')}`;
  const upload = async (resource: ObjectResource, body: Buffer) => {
    const payload = multipartBody(resource, body, boundary);
    // The name in the query too, as the storage library sends it: logs and proxies see it.
    const url = new URL(`${base}&name=${encodeURIComponent(resource.name)}`);
    const stored = await withRetry(async () => {
      const headers: Record<string, string> = {
        'content-type': `multipart/related; boundary=${boundary}`,
        accept: 'application/json',
        'user-agent': 'gcs-static-sync',
      };
      if (opts.token) headers.authorization = `Bearer ${await bearer(opts.token)}`;
      return jsonOf<{ md5Hash?: string }>(await http.send({ method: 'POST', url, headers, body: payload }));
    }, opts);
    if (stored.md5Hash !== undefined && stored.md5Hash !== resource.md5Hash)
      throw new PluginError(
        `the stored object's MD5 (${stored.md5Hash}) is not the one sent (${resource.md5Hash}); sync again`,
      );
  };
  return { upload, close: () => http.close() };
}
