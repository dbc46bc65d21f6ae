// MD5 of four files at once with WebAssembly SIMD. MD5 is one long chain of dependent
// 32-bit steps, so a single stream cannot use a core's vector units: OpenSSL's MD5 runs at
// ~0.7 GB/s here, and that was most of a no-op re-sync of large files. Four independent
// streams, one per 32-bit lane of a 128-bit vector, go through the same steps together:
// ~1.6 GB/s on the same core (`bench/md5-lanes.ts`).
//
// The module is generated here, as bytes, rather than shipped as a binary or built by a
// compiler toolchain: it is one function of 64 unrolled steps, and the generator below is
// the readable source of it. Compiling it takes a few milliseconds.
//
// The module exports `memory` and `md5(state, p0, p1, p2, p3, blocks)`: it runs `blocks`
// 64-byte blocks of each lane's data (lane i reads from address pi onwards) through the
// lanes' MD5 states. The states are four vectors at address `state`: A, B, C, D, each
// holding that word for lanes 0–3. Padding is the caller's (see hash-worker.ts).

/** Per-step shift amounts and constants (RFC 1321). */
const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const SINES = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

/** Opcodes used (WebAssembly core 2.0; SIMD ones follow the 0xfd prefix). */
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32: 0x7f,
  v128: 0x7b,
  void: 0x40,
} as const;
const SIMD = {
  load: 0,
  store: 11,
  const: 12,
  shuffle: 13,
  not: 77,
  andnot: 79,
  or: 80,
  xor: 81,
  bitselect: 82,
  shl: 171,
  shrU: 173,
  add: 174,
} as const;

/** The module's bytes. */
export function md5LanesWasm(): Uint8Array {
  const code: number[] = [];
  const op = (...bytes: number[]) => code.push(...bytes);
  const simd = (o: number, ...imm: number[]) => op(0xfd, ...uleb(o), ...imm);
  const get = (i: number) => op(OP.localGet, ...uleb(i));
  const set = (i: number) => op(OP.localSet, ...uleb(i));
  const memarg = (offset: number) => [4, ...uleb(offset)];

  // Locals: parameters state, p0..p3, blocks; then the vectors.
  const STATE = 0;
  const PTR = [1, 2, 3, 4];
  const BLOCKS = 5;
  let next = 6;
  const [a, b, c, d] = [next++, next++, next++, next++];
  const saved = [next++, next++, next++, next++];
  const words = Array.from({ length: 16 }, () => next++);
  const rows = [next++, next++, next++, next++];
  const pairs = [next++, next++, next++, next++];
  const vectors = next - 6;

  /** i8x16.shuffle of two vectors, taking the 32-bit lanes `lanes` (0–3 first, 4–7 second). */
  const shuffle32 = (x: number, y: number, lanes: number[], into: number) => {
    get(x);
    get(y);
    simd(SIMD.shuffle, ...lanes.flatMap((l) => [l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3]));
    set(into);
  };
  const splat = (k: number) => {
    const bytes = Buffer.alloc(16);
    for (let i = 0; i < 4; i++) bytes.writeUInt32LE(k, i * 4);
    simd(SIMD.const, ...bytes);
  };
  const state = [a, b, c, d];

  state.forEach((v, k) => {
    get(STATE);
    simd(SIMD.load, ...memarg(k * 16));
    set(v);
  });
  op(OP.block, OP.void, OP.loop, OP.void);
  get(BLOCKS);
  op(OP.i32Eqz, OP.brIf, 1);
  // The block's 16 message words, each as a vector of the four lanes' words: four lanes'
  // 16-byte rows, transposed.
  for (let q = 0; q < 4; q++) {
    PTR.forEach((p, lane) => {
      get(p);
      simd(SIMD.load, ...memarg(q * 16));
      set(rows[lane] as number);
    });
    const [r0, r1, r2, r3] = rows as [number, number, number, number];
    const [t0, t1, t2, t3] = pairs as [number, number, number, number];
    shuffle32(r0, r1, [0, 4, 1, 5], t0);
    shuffle32(r0, r1, [2, 6, 3, 7], t1);
    shuffle32(r2, r3, [0, 4, 1, 5], t2);
    shuffle32(r2, r3, [2, 6, 3, 7], t3);
    shuffle32(t0, t2, [0, 1, 4, 5], words[q * 4] as number);
    shuffle32(t0, t2, [2, 3, 6, 7], words[q * 4 + 1] as number);
    shuffle32(t1, t3, [0, 1, 4, 5], words[q * 4 + 2] as number);
    shuffle32(t1, t3, [2, 3, 6, 7], words[q * 4 + 3] as number);
  }
  state.forEach((v, k) => {
    get(v);
    set(saved[k] as number);
  });
  for (let i = 0; i < 64; i++) {
    // The roles rotate: step i updates what RFC 1321 calls a, with b, c, d after it.
    const at = (k: number) => state[(k - (i % 4) + 4) % 4] as number;
    const [sa, sb, sc, sd] = [at(0), at(1), at(2), at(3)];
    let word: number;
    if (i < 16) {
      word = i; // F = (b & c) | (~b & d)
      get(sc);
      get(sd);
      get(sb);
      simd(SIMD.bitselect);
    } else if (i < 32) {
      word = (5 * i + 1) % 16; // G = (b & d) | (c & ~d)
      get(sb);
      get(sc);
      get(sd);
      simd(SIMD.bitselect);
    } else if (i < 48) {
      word = (3 * i + 5) % 16; // H = b ^ c ^ d
      get(sb);
      get(sc);
      simd(SIMD.xor);
      get(sd);
      simd(SIMD.xor);
    } else {
      word = (7 * i) % 16; // I = c ^ (b | ~d) = c ^ ~(d & ~b)
      get(sc);
      get(sd);
      get(sb);
      simd(SIMD.andnot);
      simd(SIMD.not);
      simd(SIMD.xor);
    }
    get(sa);
    simd(SIMD.add);
    splat(SINES[i] as number);
    simd(SIMD.add);
    get(words[word] as number);
    simd(SIMD.add);
    // a = b + rotl(sum, s)
    const s = SHIFTS[(i >> 4) * 4 + (i % 4)] as number;
    const sum = pairs[0] as number;
    set(sum);
    get(sum);
    op(OP.i32Const, ...sleb(s));
    simd(SIMD.shl);
    get(sum);
    op(OP.i32Const, ...sleb(32 - s));
    simd(SIMD.shrU);
    simd(SIMD.or);
    get(sb);
    simd(SIMD.add);
    set(sa);
  }
  state.forEach((v, k) => {
    get(v);
    get(saved[k] as number);
    simd(SIMD.add);
    set(v);
  });
  for (const p of PTR) {
    get(p);
    op(OP.i32Const, ...sleb(64), OP.i32Add);
    set(p);
  }
  get(BLOCKS);
  op(OP.i32Const, 1, OP.i32Sub);
  set(BLOCKS);
  op(OP.br, 0, OP.end, OP.end);
  state.forEach((v, k) => {
    get(STATE);
    get(v);
    simd(SIMD.store, ...memarg(k * 16));
  });
  op(OP.end);

  const body = [...uleb(1), ...uleb(vectors), OP.v128, ...code];
  const params = 6;
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, [1, 0x60, params, ...Array<number>(params).fill(OP.i32), 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, 1]),
    ...section(7, [2, ...name('memory'), 2, 0, ...name('md5'), 0, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** The compiled module, or undefined where WebAssembly SIMD is not available. */
export function compileMd5Lanes(): WebAssembly.Module | undefined {
  try {
    return new WebAssembly.Module(md5LanesWasm());
  } catch {
    return undefined;
  }
}
