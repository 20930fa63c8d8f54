/**
 * Cheap structural prefilters for the detection core. Pure.
 *
 * A rule pattern whose secret has a recognisable shape (a UUID / hublet-hex id, or a long base64
 * run) is only run in small windows around the places where that shape occurs, instead of over the
 * whole text. The shapes are found with `indexOf` and character tests, which V8 does far faster
 * than a regular expression that starts with a character class.
 */
import type { ByteText } from './bytes.js';

/**
 * Which shape gates a compiled pattern (see rules.ts `patternGate`): `before` is how far before the
 * shape a match can start (from the pattern's longest prefix); `keywordCheck` is set when a match
 * need not contain one of the rule's keywords, so the file-wide keyword check still applies.
 */
export interface Gate {
  /** `hubhex`: a UUID shape with a hublet right before it (`pat-na1-<uuid>`, `na1-xxxx-…` ids). */
  kind: 'uuid' | 'hubhex' | 'run';
  /** For a run: its shortest length; 0 for a UUID shape (one object shape for both kinds: the JIT sees one). */
  min: number;
  before: number;
  keywordCheck: boolean;
}

/**
 * Shortest base64 run looked at: what the base64 view decodes and the long-token gates use. 40
 * characters are 30 bytes: the shortest payload that holds a secret and a keyword (a UUID alone is 48).
 */
export const MIN_RUN = 40;
const UUID_AFTER = 64;
/** Characters kept around a window so lookbehinds and lookaheads see the real neighbours. */
const MARGIN = 32;

export interface Window {
  /** Matches must start in [start, end). */
  start: number;
  end: number;
  /** The window's text plus margins and its offset, cut once however many patterns run in it (UNCUT until then). */
  cut: { sub: string; offset: number };
}

/** A window not cut yet: an object of the cut's shape, so the field keeps one type for the JIT. */
const UNCUT: { sub: string; offset: number } = { sub: '', offset: -1 };

// 0-9 A-Z a-z → hex / base64 lookup tables (charCode < 128).
const HEX = new Uint8Array(128);
const B64 = new Uint8Array(128);
for (let c = 48; c <= 57; c++) HEX[c] = B64[c] = 1;
for (let c = 65; c <= 70; c++) HEX[c] = HEX[c + 32] = 1;
for (let c = 65; c <= 90; c++) B64[c] = B64[c + 32] = 1;
for (const ch of '+/_-') B64[ch.charCodeAt(0)] = 1;

/** Whether the 4 characters from i are hex digits (one loop: a small function for the JIT to compile). */
function hex4(text: string, i: number): boolean {
  for (let k = i; k < i + 4; k++) {
    const c = text.charCodeAt(k);
    if (c >= 128 || HEX[c] !== 1) return false;
  }
  return true;
}

/** A base64 / base64url character (`A-Za-z0-9+/_-`). */
export function isB64(c: number): boolean {
  return c < 128 && B64[c] === 1;
}

/**
 * Offsets of every `-hhhh-hhhh-hhhh-` (case-insensitive hex). Every UUID holds one (at its first
 * dash) and every `<hublet>-xxxx-…` id too, so no UUID-valued secret is missed.
 */
export function uuidShapes(text: string): number[] {
  const out: number[] = [];
  const n = text.length - 15;
  for (let i = text.indexOf('-'); i !== -1 && i < n; i = text.indexOf('-', i + 1)) {
    if (text.charCodeAt(i + 5) === 45 && text.charCodeAt(i + 10) === 45 && text.charCodeAt(i + 15) === 45 && hex4(text, i + 1) && hex4(text, i + 6) && hex4(text, i + 11)) {
      out.push(i);
    }
  }
  return out;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/** Whether `text[d]` is a dash right after a hublet (`[a-z]{2}\d{1,2}`, either case). */
function hubletDash(text: string, d: number): boolean {
  if (text.charCodeAt(d) !== 45 || !isDigit(text.charCodeAt(d - 1))) return false;
  const l = isDigit(text.charCodeAt(d - 2)) ? d - 3 : d - 2;
  return isLetter(text.charCodeAt(l)) && isLetter(text.charCodeAt(l - 1));
}

/**
 * The UUID shapes (uuidShapes) a hublet-hex id or a hublet and a UUID can hold: those with a hublet's
 * dash at the shape (`na1-xxxx-xxxx-…`: a first group of 4 hex) or 9 before it (`na1-xxxxxxxx-…`,
 * `pat-na1-<uuid>`). Every such id holds one, at most 13 characters after it starts.
 */
export function hubhexShapes(text: string, uuids: readonly number[]): number[] {
  const out: number[] = [];
  for (const h of uuids) if (hubletDash(text, h) || hubletDash(text, h - 9)) out.push(h);
  return out;
}

/**
 * Maximal runs of base64 / base64url characters (`A-Za-z0-9+/_-`) at least `min` long, as
 * [start, end) pairs in a flat array. Tests whether the `min` characters from a candidate start are
 * all base64 from the last one backwards: the first that is not moves the candidate past it, so text
 * without long runs costs a few tests per `min` characters.
 */
export function base64Runs(text: string, min: number): number[] {
  const out: number[] = [];
  const n = text.length;
  // Invariant: text[q - 1] is not base64 (or q is 0), so a run found at q starts at q.
  let q = 0;
  while (q + min <= n) {
    let i = q + min - 1;
    while (i >= q && isB64(text.charCodeAt(i))) i--;
    if (i >= q) {
      q = i + 1;
      continue;
    }
    let e = q + min;
    while (e < n && isB64(text.charCodeAt(e))) e++;
    out.push(q, e);
    q = e + 1;
  }
  return out;
}

/** Per gate: the key of the windows it shares with gates of the same kind, and their reach. */
const gateKeys = new WeakMap<Gate, { id: string; before: number; shape: string }>();

/**
 * Gates of the same kind share windows: `before` rounded up to a power of two. `id` names the
 * windows (patterns with the same id run in the same windows); `shape` is what the windows are
 * around (a UUID, a hublet id, a base64 run of one length), whatever their size.
 */
export function windowKey(gate: Gate): { id: string; before: number; shape: string } {
  let key = gateKeys.get(gate);
  if (key === undefined) {
    const before = 2 ** Math.ceil(Math.log2(Math.max(32, gate.before)));
    const shape = gate.kind === 'run' ? `run${gate.min}` : gate.kind;
    key = { id: `${shape}:${before}`, before, shape };
    gateKeys.set(gate, key);
  }
  return key;
}

/** Per-text cache of shapes and windows; one per text scanned. */
export class Shapes {
  private uuid?: number[];
  private hubhex?: number[];
  private runsMin?: number[];
  private windows = new Map<string, Window[]>();

  /**
   * `parent`: the text this one is a decoded part of; a rule's keyword found there counts here too
   * (a local view of a few hundred characters keeps the file's keywords).
   */
  constructor(
    readonly text: string,
    readonly parent?: Shapes,
    /** The text's bytes, when each is one of its characters: the byte passes run on them (bytes.ts). */
    readonly bytes?: ByteText,
  ) {}

  uuids(): number[] {
    return (this.uuid ??= this.bytes ? this.bytes.uuidShapes() : uuidShapes(this.text));
  }

  /** The UUID shapes with a hublet before them (hubhexShapes). */
  hubhexes(): number[] {
    return (this.hubhex ??= hubhexShapes(this.text, this.uuids()));
  }

  /** Base64 runs of MIN_RUN+ characters (what the base64 view decodes, and long-token gates use). */
  runs(): number[] {
    return (this.runsMin ??= this.bytes ? this.bytes.base64Runs(MIN_RUN) : base64Runs(this.text, MIN_RUN));
  }

  /** Whether the shape a gate needs occurs anywhere in the text. */
  any(gate: Gate): boolean {
    return this.windowsFor(gate).length > 0;
  }

  /** Per rule id: whether one of its keywords is anywhere in the text (case-insensitive). */
  keywordHit = new Map<string, boolean>();

  /** Results computed once per text and shared by rules (e.g. one pattern used by two rules). */
  readonly memo = new Map<string, unknown>();

  /** Merged windows in which a match of a pattern with this gate may start. */
  windowsFor(gate: Gate): Window[] {
    const key = windowKey(gate);
    let ws = this.windows.get(key.id);
    if (ws) return ws;
    const out: Window[] = [];
    const before = key.before;
    const n = this.text.length;
    // Spans come in order of their starts, so touching or overlapping ones merge as they come.
    let last: Window | undefined;
    const add = (start: number, end: number): void => {
      if (last !== undefined && start <= last.end) {
        if (end > last.end) last.end = end;
      } else {
        last = { start, end, cut: UNCUT };
        out.push(last);
      }
    };
    if (gate.kind !== 'run') {
      for (const h of gate.kind === 'uuid' ? this.uuids() : this.hubhexes()) add(Math.max(0, h - before), Math.min(n, h + 1));
    } else {
      const r = this.runs();
      const min = gate.min;
      for (let i = 0; i < r.length; i += 2) {
        if (r[i + 1]! - r[i]! >= min) add(Math.max(0, r[i]! - before), r[i + 1]!);
      }
    }
    this.windows.set(key.id, out);
    return out;
  }

  /** Text of a window plus margins, and the offset of that slice in the text (cut once per window). */
  slice(w: Window): { sub: string; offset: number } {
    if (w.cut === UNCUT) {
      const offset = Math.max(0, w.start - MARGIN);
      // Past the window: room for the rest of the match (a UUID tail, `={0,2}`) and a lookahead.
      w.cut = { sub: this.text.slice(offset, Math.min(this.text.length, w.end + UUID_AFTER + MARGIN)), offset };
    }
    return w.cut;
  }

}
