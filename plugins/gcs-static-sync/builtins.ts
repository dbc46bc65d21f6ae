// node:crypto and node:zlib, loaded when first used rather than with the plugin's code: they
// take ~10–12 ms and ~4 ms to load. A no-op re-sync needs neither (uploads need both; over
// https, TLS loads node:crypto anyway), and a hashing worker needs node:crypto only for files
// over 4 MiB: without it a worker boots in ~72 ms rather than ~79 (bench/RESULTS.md, part 4).
// require() rather than import(): synchronous, and without building each module's ES facade.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);
let crypto: typeof import('node:crypto') | undefined;
let zlib: typeof import('node:zlib') | undefined;

export const nodeCrypto = (): typeof import('node:crypto') => {
  crypto ??= load('node:crypto') as typeof import('node:crypto');
  return crypto;
};

export const nodeZlib = (): typeof import('node:zlib') => {
  zlib ??= load('node:zlib') as typeof import('node:zlib');
  return zlib;
};
