/**
 * The detection core's whole-text passes on a text's bytes, in WebAssembly (src/core/scan.wat): UUID
 * shapes, base64 runs, and every place a literal of a set starts (the longest one there). No I/O;
 * its state is one module instance per thread (made at the first use), the literal sets registered,
 * and the text last copied into its memory.
 *
 * Used only for a text whose every byte is one character (`DetectInput.bytes`: ASCII, where a
 * string's offsets are its bytes' offsets). Each pass gives exactly what its JavaScript twin gives
 * (prefilter.ts `uuidShapes` / `base64Runs`; a case-insensitive regex of the literals, resumed one
 * character after each hit) at a fraction of its cost: a JavaScript loop over a string's characters,
 * or V8's regex engine on literals, runs at 1–3.5 ns a character here, these passes (16 bytes at a
 * time) well under one.
 */
import { SCAN_WASM } from './scan-wasm.js';

interface Exports {
  memory: WebAssembly.Memory;
  runs(p: number, from: number, n: number, min: number, out: number, cap: number): number;
  uuids(p: number, from: number, n: number, out: number, cap: number): number;
  literals(p: number, start: number, end: number, set: number, mask: number, entries: number, out: number, cap: number): number;
  literalsIn(p: number, wins: number, n: number, set: number, mask: number, entries: number, out: number, cap: number): number;
}

/** Results a pass writes per call (it is called again from past the last one). */
const OUT_CAP = 4096;
const OUT = 512;
/** Ranges handed to a pass at a time ([start, end) as two i32). */
const WIN_CAP = 1024;
const WIN = OUT + OUT_CAP * 4;
const FIRST_SET = WIN + WIN_CAP * 8;
/** A literal set's layout (scan.wat `literals`): nibble tables, then a u16 per 12-bit hash, then lists. */
const TABLES = 96;
const SLOTS = 4096;
const LISTS = TABLES + SLOTS * 2;
/** Bytes of a literal compared by the pass; a longer one is checked by the caller. */
const COMPARED = 16;
/** Literal numbers are bytes, 255 ends a list. */
const MOST_LITERALS = 255;
/** Zeroed bytes after a text: a pass reads up to 18 past its end. */
const PAD = 32;
const PAGE = 65536;

/** A set of literals registered for the `literals` pass (see `literalSet`). */
export interface LiteralSet {
  /** Where its tables are, its hash's mask, where its literals' bytes are. */
  at: number;
  mask: number;
  entries: number;
  /** Its literals, ASCII letters lower-cased, by number. */
  literals: string[];
  /** Whether one is longer than the pass compares: then a hit is only a place where it may be. */
  long: boolean;
}

const EMPTY = new Int32Array(0);
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

/** The first 4 bytes of a literal as the `literals` pass hashes them (each OR 0x20), as an unsigned number. */
function folded(s: string): number {
  let x = 0;
  for (let j = 0; j < 4; j++) x |= ((j < s.length ? s.charCodeAt(j) : 0) | 0x20) << (8 * j);
  return x >>> 0;
}

/**
 * A literal set for the `literals` pass (the same set twice is registered once), or null when one of
 * its literals is empty or holds a character outside ASCII or a NUL (a byte pass cannot find those
 * as a case-insensitive regex would), or there are more than 255.
 */
export function literalSet(given: readonly string[]): LiteralSet | null {
  if (given.some((l) => l.length === 0 || /[^\x01-\x7f]/.test(l))) return null;
  const literals = [...new Set(given.map((l) => l.toLowerCase()))].sort();
  if (literals.length === 0 || literals.length > MOST_LITERALS) return null;
  const key = literals.join('\n');
  const known = sets.get(key);
  if (known) return known;
  engine();
  const k = Math.min(4, ...literals.map((l) => l.length));
  const mask = k === 4 ? 0xffffffff : 2 ** (8 * k) - 1;
  // The lists of literal numbers per hash, then (16-aligned) the lengths and the literals' bytes.
  const bySlot = new Map<number, number[]>();
  literals.forEach((l, id) => {
    const h = Math.imul((folded(l) & mask) >>> 0, 0x9e3779b1) >>> 20;
    bySlot.set(h, [...(bySlot.get(h) ?? []), id]);
  });
  let listsEnd = LISTS;
  for (const ids of bySlot.values()) listsEnd += ids.length + 1;
  const lengths = Math.ceil(listsEnd / 16) * 16;
  const entries = lengths + 256;
  const size = entries + literals.length * 32;
  const at = input;
  input = at + size + 16 - (size % 16);
  loaded = null;
  reserve(input);
  // Where a text's bytes may have been.
  u8.fill(0, at, input);
  // The nibble tables: the literals' first 3 bytes (OR 0x20) in 8 buckets of neighbouring prefixes,
  // so a bucket's nibbles combine into few other prefixes. Past a prefix of k < 3, any byte passes.
  const n = Math.min(3, k);
  const prefixes = [...new Set(literals.map((l) => l.slice(0, n)))].sort();
  prefixes.forEach((pre, i) => {
    const bit = 1 << Math.floor((i * 8) / prefixes.length);
    for (let j = 0; j < n; j++) {
      const c = pre.charCodeAt(j) | 0x20;
      u8[at + 32 * j + (c & 15)]! |= bit;
      u8[at + 32 * j + 16 + (c >> 4)]! |= bit;
    }
  });
  u8.fill(0xff, at + 32 * n, at + TABLES);
  let list = LISTS;
  for (const [h, ids] of bySlot) {
    u8[at + TABLES + 2 * h] = list & 0xff;
    u8[at + TABLES + 2 * h + 1] = list >> 8;
    for (const id of ids) u8[at + list++] = id;
    u8[at + list++] = 255;
  }
  literals.forEach((l, id) => {
    u8[at + lengths + id] = Math.min(COMPARED, l.length);
    for (let j = 0; j < Math.min(COMPARED, l.length); j++) {
      u8[at + entries + 32 * id + j] = l.charCodeAt(j);
      u8[at + entries + 32 * id + 16 + j] = 0xff;
    }
  });
  const set = { at, mask: mask | 0, entries: at + entries, literals, long: literals.some((l) => l.length > COMPARED) };
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

  /** Every result of a pass that writes at most OUT_CAP a call: called again from past the last one while full. */
  private all(pass: (from: number) => number): number[] {
    this.load();
    const out: number[] = [];
    for (let from = 0; ; ) {
      const c = pass(from);
      for (let j = 0; j < c; j++) out.push(i32[(OUT >> 2) + j]!);
      if (c < OUT_CAP) return out;
      from = out[out.length - 1]! + 1;
    }
  }

  /** uuidShapes(text). */
  uuidShapes(): number[] {
    return this.all((from) => ex!.uuids(input, from, this.bytes.length, OUT, OUT_CAP));
  }

  /** base64Runs(text, min), for a `min` of 16 or more. */
  base64Runs(min: number): number[] {
    if (min < 16) throw new RangeError(`base64 runs of ${min}: 16 at least`);
    return this.all((from) => ex!.runs(input, from, this.bytes.length, min, OUT, OUT_CAP));
  }

  /**
   * `someLiteral` over each of `ranges` (in order, apart), all in as few calls as their hits take:
   * `each` also gets the number of the range holding the place.
   */
  eachLiteralIn(set: LiteralSet, ranges: readonly { start: number; end: number }[], each: (i: number, literal: number, range: number) => void): void {
    let r = 0;
    let from = 0;
    while (r < ranges.length) {
      this.load();
      const n = Math.min(WIN_CAP, ranges.length - r);
      for (let k = 0; k < n; k++) {
        const w = ranges[r + k]!;
        i32[(WIN >> 2) + 2 * k] = k === 0 ? Math.max(w.start, from) : w.start;
        i32[(WIN >> 2) + 2 * k + 1] = w.end;
      }
      const c = ex!.literalsIn(input, WIN, n, set.at, set.mask, set.entries, OUT, OUT_CAP);
      const got = c === 0 ? EMPTY : i32.slice(OUT >> 2, (OUT >> 2) + c);
      let at = r;
      for (let j = 0; j < c; j += 2) {
        while (ranges[at]!.end <= got[j]!) at++;
        each(got[j]!, got[j + 1]!, at);
      }
      if (c < OUT_CAP) {
        r += n;
        from = 0;
      } else {
        // Full: on from past the last place, in its range.
        r = at;
        from = got[c - 2]! + 1;
      }
    }
  }

  /**
   * Calls `each` with every place in [start, end) where a literal of the set starts, in order, and
   * the longest literal there (its number in `set.literals`), until it returns true (then true);
   * `cap` places are looked for at a time. In a set with a literal longer than 16 characters
   * (`set.long`), a place may also be one where only its first 16 are. `each` may use this module
   * again (a context check asking for a keyword): each batch is copied out first.
   */
  someLiteral(set: LiteralSet, start: number, end: number, cap: number, each: (i: number, literal: number) => boolean): boolean {
    const want = Math.min(cap, OUT_CAP / 2) * 2;
    for (let from = start; from < end; ) {
      this.load();
      const c = ex!.literals(input, from, end, set.at, set.mask, set.entries, OUT, want);
      if (c === 0) return false;
      const got = i32.slice(OUT >> 2, (OUT >> 2) + c);
      for (let j = 0; j < c; j += 2) if (each(got[j]!, got[j + 1]!)) return true;
      if (c < want) return false;
      from = got[c - 2]! + 1;
    }
    return false;
  }
}
