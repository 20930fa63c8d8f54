// The part of the WebAssembly JavaScript API that bytes.ts uses. Node has it as a global; TypeScript
// declares it in the DOM library only, which this project does not include.
declare global {
  namespace WebAssembly {
    class Module {
      constructor(bytes: Uint8Array);
    }
    class Instance {
      constructor(module: Module, imports?: object);
      readonly exports: Record<string, unknown>;
    }
    class Memory {
      readonly buffer: ArrayBuffer;
      grow(pages: number): number;
    }
  }
}
export {};
