// What yargs' ESM build takes from node:assert (two checks of its own invariants), without loading
// node:assert and its error formatting on every start of the bin (~3 ms of the hook's start-up).
export function strictEqual(actual, expected, message) {
  if (actual !== expected) throw new Error(message ?? `expected ${String(expected)}, got ${String(actual)}`);
}
export function notStrictEqual(actual, expected, message) {
  if (actual === expected) throw new Error(message ?? `expected anything but ${String(actual)}`);
}
