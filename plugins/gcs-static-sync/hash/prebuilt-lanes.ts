// The MD5 lanes module's bytes made when the bundle is built, or undefined: here, in the
// sources, they are generated at start-up (md5-lanes.ts), which takes ~10 ms of the main
// thread before the first file can be hashed; scripts/bundle.ts replaces this module with
// one holding the bytes the generator gave at build time (test/unit/bundles.test.ts checks
// they are the same).
export const prebuiltLanes: Uint8Array | undefined = undefined;
