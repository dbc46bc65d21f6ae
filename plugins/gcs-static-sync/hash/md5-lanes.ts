// MD5 of twelve files at once with WebAssembly SIMD. MD5 is one long chain of dependent
// 32-bit steps, so a single stream cannot use a core's vector units: OpenSSL's MD5 runs at
// ~0.55 GB/s here, and that was most of a no-op re-sync of large files. Four independent
// streams, one per 32-bit lane of a 128-bit vector, go through the same steps together
// (~1.0 GB/s on the same core); and since each step still waits for the one before, two such
// groups with their steps interleaved give the core two chains to overlap (~1.3–1.45 GB/s),
// and three groups three (~1.45–1.55 GB/s on Node 24; `bench/md5-lanes.ts`: +5–12 % over two,
// and 2.5–3 % less CPU for a no-op re-sync of 1,000 files of 256 KB; a batch is a multiple of
// twelve files, hash/index.ts, so few lanes idle at its end).
//
// The module is generated here, as bytes, rather than shipped as a binary or built by a
// compiler toolchain: it is one function of 64 unrolled steps per group, and the generator
// below is the readable source of it. Compiling it takes a few milliseconds.
//
// The module exports `memory` and `md5(state, p0, …, p7, blocks)`: it runs `blocks` 64-byte
// blocks of each lane's data (lane i reads from address pi onwards) through the lanes' MD5
// states. Each group's states are four vectors at address `state + 64 × group`: A, B, C, D,
// each holding that word for the group's lanes 0–3. Padding is the caller's (see lanes.ts).

import { prebuiltLanes } from './prebuilt-lanes.ts';

/** Groups of four lanes the function runs together (lanes = 4 x groups). */
export const GROUPS = 3;

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

/** Emits the code of the module's one function, an instruction at a time. */
function createEmitter() {
  const code: number[] = [];
  const op = (...bytes: number[]) => code.push(...bytes);
  return {
    code,
    op,
    simd: (o: number, ...imm: number[]) => op(0xfd, ...uleb(o), ...imm),
    get: (i: number) => op(OP.localGet, ...uleb(i)),
    set: (i: number) => op(OP.localSet, ...uleb(i)),
  };
}
type Emitter = ReturnType<typeof createEmitter>;

const memarg = (offset: number) => [4, ...uleb(offset)];

/** One group's vectors: four lanes' states, their values before the block, the block's words. */
function layGroup(take: (n: number) => number[], ptr: number[]) {
  const state = take(4) as [number, number, number, number];
  const saved = take(4);
  const words = take(16);
  const rows = take(4) as [number, number, number, number];
  const pairs = take(4) as [number, number, number, number];
  return { PTR: ptr, state, saved, words, rows, pairs };
}
type Locals = ReturnType<typeof layGroup>;

/** The function's locals: parameters state, p0..p(4g-1), blocks; then each group's vectors. */
function layLocals(groups: number) {
  const params = 4 * groups + 2;
  let next = params;
  const take = (n: number) => Array.from({ length: n }, () => next++);
  const all = Array.from({ length: groups }, (_, g) =>
    layGroup(
      take,
      [1, 2, 3, 4].map((k) => g * 4 + k),
    ),
  );
  return { STATE: 0, BLOCKS: params - 1, params, groups: all, vectors: next - params };
}

/** i8x16.shuffle of two vectors, taking the 32-bit lanes `lanes` (0–3 first, 4–7 second). */
function shuffle32(e: Emitter, x: number, y: number, lanes: number[], into: number): void {
  e.get(x);
  e.get(y);
  e.simd(SIMD.shuffle, ...lanes.flatMap((l) => [l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3]));
  e.set(into);
}

/**
 * The block's 16 message words, each as a vector of the four lanes' words: four lanes'
 * 16-byte rows, transposed.
 */
function emitMessageWords(e: Emitter, L: Locals): void {
  for (let q = 0; q < 4; q++) {
    L.PTR.forEach((p, lane) => {
      e.get(p);
      e.simd(SIMD.load, ...memarg(q * 16));
      e.set(L.rows[lane] as number);
    });
    const [r0, r1, r2, r3] = L.rows;
    const [t0, t1, t2, t3] = L.pairs;
    shuffle32(e, r0, r1, [0, 4, 1, 5], t0);
    shuffle32(e, r0, r1, [2, 6, 3, 7], t1);
    shuffle32(e, r2, r3, [0, 4, 1, 5], t2);
    shuffle32(e, r2, r3, [2, 6, 3, 7], t3);
    shuffle32(e, t0, t2, [0, 1, 4, 5], L.words[q * 4] as number);
    shuffle32(e, t0, t2, [2, 3, 6, 7], L.words[q * 4 + 1] as number);
    shuffle32(e, t1, t3, [0, 1, 4, 5], L.words[q * 4 + 2] as number);
    shuffle32(e, t1, t3, [2, 3, 6, 7], L.words[q * 4 + 3] as number);
  }
}

/** Pushes step i's round function of b, c, d; returns the message word the step adds. */
function emitRoundFunction(e: Emitter, i: number, sb: number, sc: number, sd: number): number {
  if (i < 16) {
    // F = (b & c) | (~b & d)
    for (const v of [sc, sd, sb]) e.get(v);
    e.simd(SIMD.bitselect);
    return i;
  }
  if (i < 32) {
    // G = (b & d) | (c & ~d)
    for (const v of [sb, sc, sd]) e.get(v);
    e.simd(SIMD.bitselect);
    return (5 * i + 1) % 16;
  }
  if (i < 48) {
    // H = b ^ c ^ d
    e.get(sb);
    e.get(sc);
    e.simd(SIMD.xor);
    e.get(sd);
    e.simd(SIMD.xor);
    return (3 * i + 5) % 16;
  }
  // I = c ^ (b | ~d) = c ^ ~(d & ~b)
  for (const v of [sc, sd, sb]) e.get(v);
  e.simd(SIMD.andnot);
  e.simd(SIMD.not);
  e.simd(SIMD.xor);
  return (7 * i) % 16;
}

/** Step i of 64: a = b + rotl(a + f(b, c, d) + K[i] + word, s). */
function emitStep(e: Emitter, L: Locals, i: number): void {
  // The roles rotate: step i updates what RFC 1321 calls a, with b, c, d after it.
  const at = (k: number) => L.state[(k - (i % 4) + 4) % 4] as number;
  const [sa, sb, sc, sd] = [at(0), at(1), at(2), at(3)];
  const word = emitRoundFunction(e, i, sb, sc, sd);
  e.get(sa);
  e.simd(SIMD.add);
  const k = Buffer.alloc(16);
  for (let lane = 0; lane < 4; lane++) k.writeUInt32LE(SINES[i] as number, lane * 4);
  e.simd(SIMD.const, ...k);
  e.simd(SIMD.add);
  e.get(L.words[word] as number);
  e.simd(SIMD.add);
  const s = SHIFTS[(i >> 4) * 4 + (i % 4)] as number;
  const sum = L.pairs[0];
  e.set(sum);
  e.get(sum);
  e.op(OP.i32Const, ...sleb(s));
  e.simd(SIMD.shl);
  e.get(sum);
  e.op(OP.i32Const, ...sleb(32 - s));
  e.simd(SIMD.shrU);
  e.simd(SIMD.or);
  e.get(sb);
  e.simd(SIMD.add);
  e.set(sa);
}

/** Each group's state vectors from memory into their locals, or back. */
function moveStates(e: Emitter, F: ReturnType<typeof layLocals>, way: 'load' | 'store'): void {
  for (const [g, L] of F.groups.entries()) {
    for (const [k, v] of L.state.entries()) {
      e.get(F.STATE);
      if (way === 'store') e.get(v);
      e.simd(way === 'load' ? SIMD.load : SIMD.store, ...memarg(g * 64 + k * 16));
      if (way === 'load') e.set(v);
    }
  }
}

/** The function body: load the states, run the blocks, store the states. */
function emitBody(e: Emitter, F: ReturnType<typeof layLocals>): void {
  moveStates(e, F, 'load');
  e.op(OP.block, OP.void, OP.loop, OP.void);
  e.get(F.BLOCKS);
  e.op(OP.i32Eqz, OP.brIf, 1);
  for (const L of F.groups) {
    emitMessageWords(e, L);
    L.state.forEach((v, k) => {
      e.get(v);
      e.set(L.saved[k] as number);
    });
  }
  // The groups' steps interleaved: two independent chains the core can overlap.
  for (let i = 0; i < 64; i++) for (const L of F.groups) emitStep(e, L, i);
  for (const L of F.groups) {
    L.state.forEach((v, k) => {
      e.get(v);
      e.get(L.saved[k] as number);
      e.simd(SIMD.add);
      e.set(v);
    });
    for (const p of L.PTR) {
      e.get(p);
      e.op(OP.i32Const, ...sleb(64), OP.i32Add);
      e.set(p);
    }
  }
  e.get(F.BLOCKS);
  e.op(OP.i32Const, 1, OP.i32Sub);
  e.set(F.BLOCKS);
  e.op(OP.br, 0, OP.end, OP.end);
  moveStates(e, F, 'store');
  e.op(OP.end);
}

/** The module's bytes. */
export function md5LanesWasm(groups = GROUPS): Uint8Array {
  const e = createEmitter();
  const F = layLocals(groups);
  emitBody(e, F);
  const body = [...uleb(1), ...uleb(F.vectors), OP.v128, ...e.code];
  const params = F.params;
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
export function compileMd5Lanes(groups = GROUPS): WebAssembly.Module | undefined {
  try {
    return new WebAssembly.Module(groups === GROUPS && prebuiltLanes ? prebuiltLanes : md5LanesWasm(groups));
  } catch {
    return undefined;
  }
}
