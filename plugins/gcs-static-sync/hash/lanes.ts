// Twelve files at a time (the lanes module's default: md5-lanes.ts) through the MD5 lanes. Each lane reads its file
// a chunk at a time into its own part of the module's memory, the lanes run through the
// module together for as many blocks as the shortest of them has, and a lane that finishes
// its file takes the next one from the batch. A lane with no file left runs over its stale
// data and its result is ignored. Files over `bigFile` bytes go to OpenSSL on their own: one
// long file alone in the lanes would leave three of them idle for most of its length.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { failure, type HashResult, hashAlone } from './openssl.ts';

const INIT = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];

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

interface Batch {
  files: readonly string[];
  results: HashResult[];
  next: number;
}

/** md5(state, one data pointer per lane, blocks). */
type Md5 = (state: number, ...pointersThenBlocks: number[]) => void;

export class LaneHasher {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly md5: Md5;
  /** A lane's region: a chunk and room for the padding (at most two blocks). */
  private readonly region: number;
  private readonly lanes: Lane[];
  /** Where the lanes' regions start: each group's four state vectors (A, B, C, D) come first. */
  private readonly base: number;
  private readonly digest = Buffer.alloc(16);

  constructor(
    module: WebAssembly.Module,
    private readonly chunk: number,
    private readonly bigFile: number,
    /** For the big files, hashed by OpenSSL. */
    private readonly buffer: Buffer,
  ) {
    this.region = chunk + 128;
    const { exports } = new WebAssembly.Instance(module, {});
    const memory = exports.memory as WebAssembly.Memory;
    this.md5 = exports.md5 as Md5;
    // md5(state, one pointer per lane, blocks): the module says how many lanes it runs.
    const lanes = this.md5.length - 2;
    this.base = 16 * lanes;
    const need = this.base + lanes * this.region;
    if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    this.bytes = new Uint8Array(memory.buffer);
    this.view = new DataView(memory.buffer);
    this.lanes = Array.from({ length: lanes }, (_, index) => ({
      index,
      file: -1,
      fd: -1,
      size: 0,
      at: 0,
      blocks: 0,
      last: false,
    }));
  }

  /** Each file's hash, in order; a file that cannot be read gets its error. */
  hashBatch(files: readonly string[]): HashResult[] {
    const batch: Batch = { files, results: new Array(files.length), next: 0 };
    for (const lane of this.lanes) this.take(lane, batch);
    for (;;) {
      let blocks = Number.POSITIVE_INFINITY;
      for (const lane of this.lanes) if (lane.blocks > 0) blocks = Math.min(blocks, lane.blocks);
      if (blocks === Number.POSITIVE_INFINITY) break;
      const at = this.lanes.map((l) => (l.blocks > 0 ? l.at : this.regionOf(l)));
      this.md5(0, ...at, blocks);
      for (const lane of this.lanes) if (lane.blocks > 0) this.advance(lane, blocks, batch);
    }
    return batch.results;
  }

  private regionOf(lane: Lane): number {
    return this.base + lane.index * this.region;
  }

  /** Address of MD5 state word k (A, B, C, D) of the lane: word k of a group's lanes is one vector. */
  private stateWord(k: number, lane: Lane): number {
    return (lane.index >> 2) * 64 + k * 16 + (lane.index & 3) * 4;
  }

  /** After `blocks` blocks: the lane's next chunk, or its file's digest and the next file. */
  private advance(lane: Lane, blocks: number, batch: Batch): void {
    lane.blocks -= blocks;
    lane.at += blocks * 64;
    if (lane.blocks > 0) return;
    if (lane.last) {
      for (let k = 0; k < 4; k++)
        this.digest.writeUInt32LE(this.view.getUint32(this.stateWord(k, lane), true), k * 4);
      batch.results[lane.file] = { size: lane.size, md5: this.digest.toString('base64') };
      this.take(lane, batch);
      return;
    }
    try {
      this.fill(lane);
    } catch (err) {
      batch.results[lane.file] = failure(err);
      this.release(lane);
      this.take(lane, batch);
    }
  }

  /** Gives the lane the batch's next file it can read (big ones are hashed on the spot). */
  private take(lane: Lane, batch: Batch): void {
    while (batch.next < batch.files.length) {
      const file = batch.next++;
      const abs = batch.files[file] as string;
      try {
        lane.fd = openSync(abs, 'r');
        Object.assign(lane, { file, size: 0, last: false });
        for (let k = 0; k < 4; k++) this.view.setUint32(this.stateWord(k, lane), INIT[k] as number, true);
        this.fill(lane);
        // Only a file that filled a whole chunk can be big (no fstat for small files).
        if (!lane.last && fstatSync(lane.fd).size > this.bigFile) {
          this.release(lane);
          batch.results[file] = hashAlone(abs, this.buffer);
          continue;
        }
        return;
      } catch (err) {
        batch.results[file] = failure(err);
        this.release(lane);
      }
    }
    this.release(lane);
  }

  /** Reads the lane's next chunk; the file's last one gets its padding and closes it. */
  private fill(lane: Lane): void {
    const start = this.regionOf(lane);
    let n = 0;
    while (n < this.chunk) {
      const got = readSync(lane.fd, this.bytes, start + n, this.chunk - n, null);
      if (got === 0) break;
      n += got;
    }
    lane.size += n;
    lane.at = start;
    if (n === this.chunk) {
      lane.blocks = this.chunk / 64;
      return;
    }
    const padded = Math.ceil((n + 9) / 64) * 64;
    this.bytes.fill(0, start + n, start + padded);
    this.bytes[start + n] = 0x80;
    const bits = lane.size * 8;
    this.view.setUint32(start + padded - 8, bits % 2 ** 32, true);
    this.view.setUint32(start + padded - 4, Math.floor(bits / 2 ** 32), true);
    lane.blocks = padded / 64;
    lane.last = true;
    closeSync(lane.fd);
    lane.fd = -1;
  }

  private release(lane: Lane): void {
    if (lane.fd >= 0) {
      try {
        closeSync(lane.fd);
      } catch {
        // already failed; the file's error is reported
      }
    }
    lane.fd = -1;
    lane.file = -1;
    lane.blocks = 0;
  }
}
