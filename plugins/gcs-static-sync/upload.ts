// Writing to the bucket: uploads, metadata patches, deletes. Files up to 4 MiB are read
// whole and sent in one multipart request (multipart.ts, with their MD5, which Cloud Storage
// checks); larger ones are streamed by the storage library as resumable uploads, from a
// source function so that the library can start a retry from the first byte. gzip-stored
// files are compressed on the way (level 9: they are compressed once and served many times).
import { createReadStream, promises as fs, readFileSync } from 'node:fs';
import { pipeline, Transform } from 'node:stream';
import { promisify } from 'node:util';
import type { Bucket, FileMetadata } from '@google-cloud/storage';
import { SOURCE_MD5_KEY } from './attributes.ts';
import type { OpenBucket } from './bucket.ts';
import { nodeCrypto, nodeZlib } from './builtins.ts';
import type { MultipartUploader } from './multipart.ts';
import type { MetadataPatch, PlannedUpload } from './plan.ts';

/** Level 9 (Z_BEST_COMPRESSION), written out so that node:zlib loads only when a file is compressed. */
const GZIP = { level: 9 };
const gzipAsync = (data: Buffer) => promisify(nodeZlib().gzip)(data, GZIP);
const createGzip = () => nodeZlib().createGzip(GZIP);

/** Files up to this size are uploaded from memory in a single request. */
export const SIMPLE_UPLOAD_MAX = 4 * 1024 * 1024;

/**
 * Files up to this size are read synchronously: a 4 KB file costs ~10 µs of CPU so, against
 * ~45 µs through the thread pool (open, stat, read and close, each a round trip), and the
 * event loop waits no longer than that. Larger files are read without blocking it.
 */
const SYNC_READ_MAX = 64 * 1024;

export interface Uploaders {
  /** The storage library's bucket, for resumable uploads. */
  openBucket: OpenBucket;
  /** Single-request uploads of small files. */
  openMultipart: () => Promise<MultipartUploader>;
  predefinedAcl?: string | undefined;
}

export interface UploadResult {
  /** Source bytes. */
  bytes: number;
  /** Bytes stored (after gzip). */
  sent: number;
}

interface ObjectMetadata {
  contentType: string;
  metadata: Record<string, string>;
  cacheControl?: string;
  contentEncoding?: string;
}

function objectMetadata(u: PlannedUpload, metadata: Record<string, string>): ObjectMetadata {
  const m: ObjectMetadata = { contentType: u.file.attrs.contentType, metadata };
  if (u.file.attrs.cacheControl !== undefined) m.cacheControl = u.file.attrs.cacheControl;
  if (u.file.attrs.gzip) m.contentEncoding = 'gzip';
  return m;
}

export async function uploadObject(to: Uploaders, u: PlannedUpload): Promise<UploadResult> {
  return u.file.hash.size <= SIMPLE_UPLOAD_MAX
    ? uploadSmall(await to.openMultipart(), u)
    : uploadLarge(await to.openBucket(), u, to.predefinedAcl);
}

/** Read whole, gzipped when asked, sent in one request with the MD5 of what is sent. */
async function uploadSmall(uploader: MultipartUploader, u: PlannedUpload): Promise<UploadResult> {
  const source = u.file.hash.size <= SYNC_READ_MAX ? readFileSync(u.file.abs) : await fs.readFile(u.file.abs);
  const metadata = { ...u.metadata };
  // The file may have changed since it was hashed: describe what is actually sent.
  if (u.file.attrs.gzip)
    metadata[SOURCE_MD5_KEY] = nodeCrypto().createHash('md5').update(source).digest('base64');
  const body = u.file.attrs.gzip ? await gzipAsync(source) : source;
  const md5Hash = nodeCrypto().createHash('md5').update(body).digest('base64');
  await uploader.upload({ name: u.file.name, ...objectMetadata(u, metadata), md5Hash }, body);
  return { bytes: source.length, sent: body.length };
}

/** Streamed as a resumable upload; the library checks the MD5 of what it sent. */
async function uploadLarge(bucket: Bucket, u: PlannedUpload, acl: string | undefined): Promise<UploadResult> {
  const file = bucket.file(u.file.name);
  const aclOption = acl ? { predefinedAcl: acl as never } : {};
  let sent = 0;
  let sourceBytes = 0;
  const counter = () =>
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        sent += chunk.length;
        done(null, chunk);
      },
    });
  await file.save(
    () => {
      sent = 0;
      sourceBytes = 0;
      const input = createReadStream(u.file.abs, { highWaterMark: 1024 * 1024 });
      input.on('data', (c: Buffer | string) => {
        sourceBytes += c.length;
      });
      // pipeline (unlike pipe) passes a read error on, so the upload fails instead of hanging.
      const ignore = () => {};
      return u.file.attrs.gzip
        ? pipeline(input, createGzip(), counter(), ignore)
        : pipeline(input, counter(), ignore);
    },
    { resumable: true, validation: 'md5', metadata: objectMetadata(u, u.metadata), ...aclOption },
  );
  return { bytes: sourceBytes, sent };
}

export async function patchObject(bucket: Bucket, name: string, patch: MetadataPatch): Promise<void> {
  await bucket.file(name).setMetadata(patch as FileMetadata);
}

export async function deleteObject(bucket: Bucket, name: string): Promise<void> {
  await bucket.file(name).delete({ ignoreNotFound: true });
}
