/**
 * The detection core's whole-text passes on a text's bytes, in WebAssembly (src/core/scan.wat): UUID
 * shapes, base64 runs, and the places where a set of literals may start. No I/O; its state is one
 * module instance per thread (made at the first use), the literal sets registered, and the text last
 * copied into its memory.
 *
 * Used only for a text whose every byte is one character (`DetectInput.bytes`: ASCII, where a
 * string's offsets are its bytes' offsets). Each pass gives exactly what its JavaScript twin gives
 * (prefilter.ts `uuidShapes` / `base64Runs`; a literal-led regex) and costs a third to a half of it:
 * a JavaScript loop over a string's characters, or V8's regex engine on literals, runs at 1–3.5 ns a
 * character here, a WebAssembly loop over bytes well under one.
 */
import { SCAN_WASM } from './scan-wasm.js';

interface Exports {
  memory: WebAssembly.Memory;
  runs(p: number, from: number, n: number, min: number, out: number, cap: number): number;
  uuids(p: number, from: number, n: number, out: number, cap: number): number;
  cands(p: number, start: number, end: number, bitmap: number, mask: number, out: number, cap: number): number;
}

/** Results a pass writes per call (it is called again from past the last one). */
const OUT_CAP = 4096;
const OUT = 512;
/** A literal set: its nibble tables (6 x 16 bytes), then its 32 Kbit bitmap. */
const TABLES = 96;
const SET_BYTES = TABLES + 4096;
const FIRST_SET = OUT + OUT_CAP * 4;
/** Zeroed bytes after a text: a pass reads up to 16 past its end. */
const PAD = 32;
const PAGE = 65536;

/** A set of literals registered for `cands` (see `literalSet`). */
export interface LiteralSet {
  /** Where its tables are. */
  at: number;
  mask: number;
}

let ex: Exports | undefined;
let u8 = new Uint8Array(0);
let i32 = new Int32Array(0);
/** Where a text's bytes go: after the literal sets (moved on when a set is added). */
let input = FIRST_SET;
/** The text loaded at `input` now (one at a time: detection is synchronous). */
let loaded: ByteText | null = null;
const sets = new Map<string, LiteralSet>();

function views(): void {
  u8 = new Uint8Array(ex!.memory.buffer);
  i32 = new Int32Array(ex!.memory.buffer);
}

function engine(): Exports {
  if (ex) return ex;
  const bytes = Uint8Array.from(atob(SCAN_WASM), (c) => c.charCodeAt(0));
  ex = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Exports;
  views();
  // The class table: bit 0 base64 / base64url (`A-Za-z0-9+/_-`), bit 1 hex digit.
  for (let c = 48; c <= 57; c++) u8[c] = 3;
  for (let c = 65; c <= 90; c++) u8[c] = u8[c + 32] = c <= 70 ? 3 : 1;
  for (const ch of '+/_-') u8[ch.charCodeAt(0)] = 1;
  // The same base64 set as nibble tables: a bit per group of characters, set at each low nibble and
  // each high nibble the group has (+ - /; digits; A-O a-o; P-Z p-z; _).
  const groups: [number[], number[]][] = [
    [[0xb, 0xd, 0xf], [2]],
    [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [3]],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [4, 6]],
    [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [5, 7]],
    [[15], [5]],
  ];
  groups.forEach(([lo, hi], g) => {
    for (const x of lo) u8[256 + x]! |= 1 << g;
    for (const x of hi) u8[272 + x]! |= 1 << g;
  });
  return ex;
}

/** Memory up to `end` bytes. */
function reserve(end: number): void {
  const have = ex!.memory.buffer.byteLength;
  if (end > have) {
    ex!.memory.grow(Math.ceil((end - have) / PAGE));
    views();
  }
}

/** The first 4 bytes of a literal as the `cands` pass reads them (folded), as an unsigned number. */
function folded(s: string): number {
  let x = 0;
  for (let j = 0; j < 4; j++) x |= ((j < s.length ? s.charCodeAt(j) : 0) | 0x20) << (8 * j);
  return x >>> 0;
}

/**
 * A literal set for `cands` (the same set twice is registered once), or null when one of its
 * literals is not ASCII or is empty: a byte pass cannot find those as a case-insensitive regex would.
 */
export function literalSet(literals: readonly string[]): LiteralSet | null {
  if (literals.length === 0 || literals.some((l) => l.length === 0 || /[^\x00-\x7f]/.test(l))) return null;
  const key = [...literals].sort().join('\n');
  const known = sets.get(key);
  if (known) return known;
  engine();
  const k = Math.min(4, ...literals.map((l) => l.length));
  const mask = k === 4 ? 0xffffffff : 2 ** (8 * k) - 1;
  const at = FIRST_SET + sets.size * SET_BYTES;
  input = at + SET_BYTES;
  loaded = null;
  reserve(input);
  // Where a text's bytes may have been.
  u8.fill(0, at, at + SET_BYTES);
  // The nibble tables: the literals' first 3 bytes (folded) in 8 buckets of neighbouring prefixes,
  // so a bucket's nibbles combine into few other prefixes. Past a prefix of k < 3, any byte passes.
  const n = Math.min(3, k);
  const prefixes = [...new Set(literals.map((l) => l.slice(0, n).toLowerCase()))].sort();
  prefixes.forEach((pre, i) => {
    const bit = 1 << Math.floor((i * 8) / prefixes.length);
    for (let j = 0; j < n; j++) {
      const c = pre.charCodeAt(j) | 0x20;
      u8[at + 32 * j + (c & 15)]! |= bit;
      u8[at + 32 * j + 16 + (c >> 4)]! |= bit;
    }
  });
  u8.fill(0xff, at + 32 * n, at + TABLES);
  for (const l of literals) {
    const h = Math.imul((folded(l) & mask) >>> 0, 0x9e3779b1) >>> 17;
    u8[at + TABLES + (h >> 3)]! |= 1 << (h & 7);
  }
  const set = { at, mask: mask | 0 };
  sets.set(key, set);
  return set;
}

/**
 * One text's bytes for the passes. A new one per text scanned: the bytes are copied into the module's
 * memory at the first pass and stay there until another text's pass (a caller may reuse its read
 * buffer, so the same array object can hold another text later).
 */
export class ByteText {
  constructor(readonly bytes: Uint8Array) {}

  private load(): void {
    if (loaded === this) return;
    engine();
    const n = this.bytes.length;
    reserve(input + n + PAD);
    u8.set(this.bytes, input);
    u8.fill(0, input + n, input + n + PAD);
    loaded = this;
  }

  /** uuidShapes(text). */
  uuidShapes(): number[] {
    this.load();
    const out: number[] = [];
    for (let from = 0; ; ) {
      const c = ex!.uuids(input, from, this.bytes.length, OUT, OUT_CAP);
      for (let j = 0; j < c; j++) out.push(i32[(OUT >> 2) + j]!);
      if (c < OUT_CAP) return out;
      from = out[out.length - 1]! + 1;
    }
  }

  /** base64Runs(text, min), for a `min` of 16 or more. */
  base64Runs(min: number): number[] {
    if (min < 16) throw new RangeError(`base64 runs of ${min}: 16 at least`);
    this.load();
    const out: number[] = [];
    for (let from = 0; ; ) {
      const c = ex!.runs(input, from, this.bytes.length, min, OUT, OUT_CAP);
      for (let j = 0; j < c; j++) out.push(i32[(OUT >> 2) + j]!);
      if (c < OUT_CAP) return out;
      from = out[out.length - 1]! + 1;
    }
  }

  /**
   * Calls `each` with every place in [start, end) where a literal of the set may start, in order,
   * until it returns true (then true); `cap` places are looked for at a time. A superset of the
   * literals' case-insensitive hits. `each` may use this module again (a context check asking for a
   * keyword): each batch is copied out first.
   */
  someCandidate(set: LiteralSet, start: number, end: number, cap: number, each: (i: number) => boolean): boolean {
    const want = Math.min(cap, OUT_CAP);
    for (let from = start; from < end; ) {
      this.load();
      const c = ex!.cands(input, from, end, set.at, set.mask, OUT, want);
      if (c === 0) return false;
      const got = i32.slice(OUT >> 2, (OUT >> 2) + c);
      for (let j = 0; j < c; j++) if (each(got[j]!)) return true;
      if (c < want) return false;
      from = got[c - 1]! + 1;
    }
    return false;
  }
}
