/**
 * Node built-ins loaded at their first use, not at start-up: the pre-commit hook runs on every
 * commit, and a clean one never hashes a finding (node:crypto), starts a worker or counts cores for
 * one (node:worker_threads, node:os), or collects a big file's garbage (node:v8, node:vm). Loaded
 * up front, they cost the hook ~7 ms (160 -> 153 ms, medians of 41 interleaved runs).
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** `name`'s exports, loaded at the first call. */
export function builtin<T>(name: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= load(name) as T);
}

export const os = builtin<typeof import('node:os')>('node:os');
export const crypto = builtin<typeof import('node:crypto')>('node:crypto');
export const v8 = builtin<typeof import('node:v8')>('node:v8');
export const vm = builtin<typeof import('node:vm')>('node:vm');
export const workerThreads = builtin<typeof import('node:worker_threads')>('node:worker_threads');

let flagsSet = false;

/**
 * Sets V8 flags for the rest of the run (node:v8's setFlagsFromString), and notes it: V8 rejects a
 * code cache made after a flag changed in any run that did not change it (src/launch.ts).
 */
export function setV8Flags(flags: string): void {
  flagsSet = true;
  v8().setFlagsFromString(flags);
}

/** Whether this run set a V8 flag (setV8Flags). */
export function v8FlagsSet(): boolean {
  return flagsSet;
}
