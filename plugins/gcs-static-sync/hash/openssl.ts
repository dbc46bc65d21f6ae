// MD5 of one file at a time with OpenSSL (node:crypto), read synchronously a chunk at a time
// into a buffer the worker owns: the fallback without WebAssembly SIMD, and the hashing of
// files too big for the lanes (lanes.ts).
import { closeSync, openSync, readSync } from 'node:fs';
import { errorMessage } from '../../../common/errors.ts';
import { nodeCrypto } from '../builtins.ts';

/** One file's size and MD5 (base64, as Cloud Storage reports md5Hash), or why it could not be read. */
export type HashResult = { size: number; md5: string } | { error: string };

export const failure = (err: unknown): HashResult => ({ error: errorMessage(err) });

/** OpenSSL's MD5 of one file, read through `buffer`. */
export function hashAlone(abs: string, buffer: Buffer): HashResult {
  const fd = openSync(abs, 'r');
  try {
    const md5 = nodeCrypto().createHash('md5');
    let size = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      md5.update(buffer.subarray(0, n));
      size += n;
    }
    return { size, md5: md5.digest('base64') };
  } finally {
    closeSync(fd);
  }
}

/** Each file's hash in turn; a file that cannot be read gets its error. */
export function hashEachAlone(files: readonly string[], buffer: Buffer): HashResult[] {
  return files.map((abs) => {
    try {
      return hashAlone(abs, buffer);
    } catch (err) {
      return failure(err);
    }
  });
}
