// Node has WebAssembly as a global, but TypeScript declares it only in its DOM library,
// which this project does not load. The part md5-lanes.ts and hash-worker.ts use:
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
}
