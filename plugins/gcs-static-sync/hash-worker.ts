// What runs inside each hashing worker thread. hash-workers.ts starts the worker with this
// function's source text (`hashWorkerMain.toString()`), so the function must stand alone:
// it uses only its parameters and globals, never anything imported into this module.
//
// Each message is a batch of files; the answer is each file's size and MD5 (base64), or why
// it could not be read. With the MD5 lanes module (md5-lanes.ts) four files are hashed at
// once: each lane reads its file a chunk at a time into its own part of the module's
// memory, the lanes run through the module together for as many blocks as the shortest of
// them has, and a lane that finishes its file takes the next one from the batch. A lane
// with no file left runs over its stale data and its result is ignored. Files over
// `bigFile` bytes go to OpenSSL on their own: one long file alone in the lanes would leave
// three of them idle for most of its length. Without the module (no WebAssembly SIMD) every
// file goes to OpenSSL.
import type * as Crypto from 'node:crypto';
import type * as Fs from 'node:fs';
import type * as WorkerThreads from 'node:worker_threads';

export interface HashWorkerData {
  /** Bytes read at a time; a multiple of 64. */
  chunk: number;
  /** Files larger than this are hashed by OpenSSL, not in the lanes. */
  bigFile: number;
  /** The compiled MD5 lanes module, if WebAssembly SIMD is available. */
  lanes: WebAssembly.Module | undefined;
}

export type WorkerResult = { size: number; md5: string } | { error: string };

export function hashWorkerMain(wt: typeof WorkerThreads, fs: typeof Fs, crypto: typeof Crypto): void {
  const port = wt.parentPort;
  if (!port) throw new Error('hashWorkerMain runs in a worker thread');
  const { chunk, bigFile, lanes: module } = wt.workerData as HashWorkerData;
  const LANES = 4;
  const buffer = Buffer.allocUnsafe(chunk);
  const failure = (err: unknown): WorkerResult => ({
    error: err instanceof Error ? err.message : String(err),
  });

  /** OpenSSL's MD5 of one file, through `buffer`. */
  const hashAlone = (abs: string): WorkerResult => {
    const fd = fs.openSync(abs, 'r');
    try {
      const md5 = crypto.createHash('md5');
      let size = 0;
      for (;;) {
        const n = fs.readSync(fd, buffer, 0, buffer.length, null);
        if (n === 0) break;
        md5.update(buffer.subarray(0, n));
        size += n;
      }
      return { size, md5: md5.digest('base64') };
    } finally {
      fs.closeSync(fd);
    }
  };

  let hashBatch = (files: string[]): WorkerResult[] =>
    files.map((abs) => {
      try {
        return hashAlone(abs);
      } catch (err) {
        return failure(err);
      }
    });

  if (module) {
    // Memory: the four state vectors at 0, then one region per lane: a chunk and room for
    // the padding (at most two blocks).
    const REGION = chunk + 128;
    const BASE = 64;
    const { exports } = new WebAssembly.Instance(module, {});
    const memory = exports.memory as WebAssembly.Memory;
    const md5 = exports.md5 as (s: number, p0: number, p1: number, p2: number, p3: number, n: number) => void;
    const need = BASE + LANES * REGION;
    if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    const bytes = new Uint8Array(memory.buffer);
    const view = new DataView(memory.buffer);
    const INIT = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    const digest = Buffer.alloc(16);

    interface Lane {
      index: number;
      /** Position in the batch of the file being hashed; -1 when idle. */
      file: number;
      fd: number;
      size: number;
      /** Address of the next block, and blocks left in the region. */
      at: number;
      blocks: number;
      last: boolean;
    }
    const lanes: Lane[] = Array.from({ length: LANES }, (_, index) => ({
      index,
      file: -1,
      fd: -1,
      size: 0,
      at: 0,
      blocks: 0,
      last: false,
    }));
    const regionOf = (lane: Lane) => BASE + lane.index * REGION;
    /** Address of MD5 state word k (A, B, C, D) of the lane: word k of every lane is one vector. */
    const stateWord = (k: number, lane: Lane) => k * 16 + lane.index * 4;

    /** Reads the lane's next chunk; the file's last one gets its padding and closes it. */
    const fill = (lane: Lane): void => {
      const start = regionOf(lane);
      let n = 0;
      while (n < chunk) {
        const got = fs.readSync(lane.fd, bytes, start + n, chunk - n, null);
        if (got === 0) break;
        n += got;
      }
      lane.size += n;
      lane.at = start;
      if (n === chunk) {
        lane.blocks = chunk / 64;
        return;
      }
      const padded = Math.ceil((n + 9) / 64) * 64;
      bytes.fill(0, start + n, start + padded);
      bytes[start + n] = 0x80;
      const bits = lane.size * 8;
      view.setUint32(start + padded - 8, bits % 2 ** 32, true);
      view.setUint32(start + padded - 4, Math.floor(bits / 2 ** 32), true);
      lane.blocks = padded / 64;
      lane.last = true;
      fs.closeSync(lane.fd);
      lane.fd = -1;
    };

    const release = (lane: Lane): void => {
      if (lane.fd >= 0) {
        try {
          fs.closeSync(lane.fd);
        } catch {
          // already failed; the file's error is reported
        }
      }
      lane.fd = -1;
      lane.file = -1;
      lane.blocks = 0;
    };

    hashBatch = (files) => {
      const results: WorkerResult[] = new Array(files.length);
      let next = 0;
      /** Gives the lane the batch's next file it can read (big ones are hashed on the spot). */
      const take = (lane: Lane): void => {
        while (next < files.length) {
          const file = next++;
          const abs = files[file] as string;
          try {
            lane.fd = fs.openSync(abs, 'r');
            Object.assign(lane, { file, size: 0, last: false });
            for (let k = 0; k < 4; k++) view.setUint32(stateWord(k, lane), INIT[k] as number, true);
            fill(lane);
            // Only a file that filled a whole chunk can be big (no fstat for small files).
            if (!lane.last && fs.fstatSync(lane.fd).size > bigFile) {
              release(lane);
              results[file] = hashAlone(abs);
              continue;
            }
            return;
          } catch (err) {
            results[file] = failure(err);
            release(lane);
          }
        }
        release(lane);
      };
      for (const lane of lanes) take(lane);
      for (;;) {
        let blocks = Number.POSITIVE_INFINITY;
        for (const lane of lanes) if (lane.blocks > 0) blocks = Math.min(blocks, lane.blocks);
        if (blocks === Number.POSITIVE_INFINITY) break;
        const at = lanes.map((l) => (l.blocks > 0 ? l.at : regionOf(l)));
        md5(0, at[0] as number, at[1] as number, at[2] as number, at[3] as number, blocks);
        for (const lane of lanes) {
          if (lane.blocks === 0) continue;
          lane.blocks -= blocks;
          lane.at += blocks * 64;
          if (lane.blocks > 0) continue;
          if (lane.last) {
            for (let k = 0; k < 4; k++) digest.writeUInt32LE(view.getUint32(stateWord(k, lane), true), k * 4);
            results[lane.file] = { size: lane.size, md5: digest.toString('base64') };
            take(lane);
          } else {
            try {
              fill(lane);
            } catch (err) {
              results[lane.file] = failure(err);
              release(lane);
              take(lane);
            }
          }
        }
      }
      return results;
    };
  }

  port.on('message', ({ id, files }: { id: number; files: string[] }) => {
    port.postMessage({ id, results: hashBatch(files) });
  });
}
