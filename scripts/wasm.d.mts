/** The generated module source (src/core/scan-wasm.ts) for a WAT text (default: src/core/scan.wat). */
export function assemble(wat?: string): Promise<string>;
export const WAT: string;
export const OUT: string;
