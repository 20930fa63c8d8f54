/**
 * Decoded views of a text: the same text with one layer of encoding undone (base64 runs, URL
 * escapes, backslash / JSON escapes), plus a map from view offsets back to the original text so a
 * finding points where the user sees it. Pure.
 */
import { base64Runs, isB64, MIN_RUN } from './prefilter.js';
import type { Encoding } from './types.js';

interface Segment {
  vStart: number;
  vLen: number;
  oStart: number;
  oLen: number;
  /** True where the view holds decoded text standing for `oLen` encoded characters. */
  decoded: boolean;
  /** Decoded text whose inside does not map to columns (a base64 block over several lines): a match in it points at the whole block. */
  opaque: boolean;
}

export interface View {
  kind: Exclude<Encoding, 'plain'>;
  text: string;
  segments: Segment[];
}

interface Replacement {
  oStart: number;
  oLen: number;
  value: string;
  /** Always set (false for most): objects of one shape, for the JIT. */
  opaque: boolean;
}

function buildView(kind: View['kind'], text: string, reps: Replacement[]): View {
  const parts: string[] = [];
  const segments: Segment[] = [];
  let o = 0;
  let v = 0;
  for (const r of reps) {
    if (r.oStart > o) {
      const len = r.oStart - o;
      parts.push(text.slice(o, r.oStart));
      segments.push({ vStart: v, vLen: len, oStart: o, oLen: len, decoded: false, opaque: false });
      v += len;
    }
    parts.push(r.value);
    segments.push({ vStart: v, vLen: r.value.length, oStart: r.oStart, oLen: r.oLen, decoded: true, opaque: r.opaque });
    v += r.value.length;
    o = r.oStart + r.oLen;
  }
  if (o < text.length) {
    parts.push(text.slice(o));
    segments.push({ vStart: v, vLen: text.length - o, oStart: o, oLen: text.length - o, decoded: false, opaque: false });
  }
  return { kind, text: parts.join(''), segments };
}

function segmentAt(view: View, vOffset: number): number {
  const segs = view.segments;
  let lo = 0;
  let hi = segs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segs[mid]!.vStart <= vOffset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function mapOffset(seg: Segment, vOffset: number, roundUp: boolean): number {
  const d = vOffset - seg.vStart;
  if (!seg.decoded) return seg.oStart + d;
  if (seg.vLen === 0) return seg.oStart;
  if (seg.opaque) return roundUp ? seg.oStart + seg.oLen : seg.oStart;
  // Inside a decoded base64 run, 3 decoded bytes stand for 4 characters; an escape maps whole.
  const scaled = roundUp ? Math.ceil(d / 3) * 4 : Math.floor(d / 3) * 4;
  return seg.oStart + Math.min(seg.oLen, scaled);
}

/** Map a view range back to the original text; `decoded` tells whether it touched decoded text. */
export function mapRange(view: View, vStart: number, vEnd: number): { start: number; end: number; decoded: boolean } {
  const a = segmentAt(view, vStart);
  const b = segmentAt(view, Math.max(vStart, vEnd - 1));
  let decoded = false;
  for (let i = a; i <= b; i++) if (view.segments[i]!.decoded) decoded = true;
  const sa = view.segments[a]!;
  const sb = view.segments[b]!;
  let start = mapOffset(sa, vStart, false);
  let end = mapOffset(sb, vEnd, true);
  // A match that ends inside an escape covers all of it.
  if (sb.decoded && vEnd > sb.vStart && sb.vLen <= 2) end = sb.oStart + sb.oLen;
  if (sa.decoded && sa.vLen <= 2) start = sa.oStart;
  if (end <= start) end = start + 1;
  return { start, end, decoded };
}

// --- backslash / JSON escapes ---------------------------------------------------------------

/** Any escape: `\\n` or `\\t` right before a token matters as much as `\\u002d` inside one. */
const ESCAPE_MARKER = /\\[\s\S]/;
const ESCAPE = /\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([\s\S]))/g;
const SIMPLE: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '0': '\0' };

export function escapedView(text: string): View | null {
  if (!ESCAPE_MARKER.test(text)) return null;
  const reps: Replacement[] = [];
  for (const m of text.matchAll(ESCAPE)) {
    const value = m[1]
      ? String.fromCharCode(parseInt(m[1], 16))
      : m[2]
        ? String.fromCharCode(parseInt(m[2], 16))
        : (SIMPLE[m[3]!] ?? m[3]!);
    reps.push({ oStart: m.index, oLen: m[0].length, value, opaque: false });
  }
  return reps.length ? buildView('escaped', text, reps) : null;
}

// --- URL encoding ----------------------------------------------------------------------------

const PERCENT = /%([0-9a-fA-F]{2})/g;

export function urlView(text: string): View | null {
  if (!/%[0-9a-f]{2}/i.test(text)) return null;
  const reps: Replacement[] = [];
  for (const m of text.matchAll(PERCENT)) {
    reps.push({ oStart: m.index, oLen: 3, value: String.fromCharCode(parseInt(m[1]!, 16)), opaque: false });
  }
  return reps.length ? buildView('url', text, reps) : null;
}

// --- base64 ----------------------------------------------------------------------------------

/**
 * Whether text[start, end) (base64 characters) is neither all hex digits (and dashes) nor all
 * letters of one case: one pass over the characters, no copy (most runs are rejected or decoded at once).
 */
function worthDecoding(text: string, start: number, end: number): boolean {
  let hex = true;
  let lower = true;
  let upper = true;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const isLower = c >= 97 && c <= 122;
    const isUpper = c >= 65 && c <= 90;
    if (!isLower) lower = false;
    if (!isUpper) upper = false;
    // Hex digits and dashes: UUIDs and ids, which the plain scan sees as they are.
    if (hex && !((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 45)) hex = false;
    if (!hex && !lower && !upper) return true;
  }
  return false;
}
const B64_VALUE = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => (B64_VALUE[c.charCodeAt(0)] = i));
B64_VALUE['-'.charCodeAt(0)] = 62;
B64_VALUE['_'.charCodeAt(0)] = 63;

/** Printable ASCII, tab, newline, return. */
const textByte = (b: number): boolean => (b >= 0x20 && b < 0x7f) || b === 9 || b === 10 || b === 13;

/**
 * Whether the first 3 bytes a run decodes to are ASCII text (or a UTF-8 byte-order mark): what a
 * base64-wrapped config, env file, header or token starts with. Read from the first 4 characters
 * alone, so UUIDs, hashes and binary payloads (most runs) are dropped before any decoding.
 */
function startsAsText(text: string, start: number): boolean {
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const c = text.charCodeAt(start + i);
    const d = c < 128 ? B64_VALUE[c]! : -1;
    if (d < 0) return false;
    v = (v << 6) | d;
  }
  const b0 = v >>> 16;
  const b1 = (v >>> 8) & 0xff;
  const b2 = v & 0xff;
  return (textByte(b0) && textByte(b1) && textByte(b2)) || (b0 === 0xef && b1 === 0xbb && b2 === 0xbf);
}

/**
 * A base64 block wrapped at a fixed width (`base64` wraps at 76 characters, PEM and openssl at 64)
 * starting with the run at spans[i]: each following line as long as the first, then a last line
 * that may be shorter, then `={0,2}`. Its body is the lines joined; `next` is the index of the first
 * run after it. Null when the run is not the first line of such a block.
 */
function wrappedBlock(text: string, spans: readonly number[], i: number): { body: string; end: number; next: number; cut: boolean; last: number } | null {
  const start = spans[i]!;
  const width = spans[i + 1]! - start;
  if (width % 4 !== 0 || width > 1024) return null;
  const parts = [text.slice(start, start + width)];
  let pos = start + width;
  let next = i + 2;
  let cut = false;
  let last = start;
  for (;;) {
    const nl = text.charCodeAt(pos) === 10 ? 1 : text.charCodeAt(pos) === 13 && text.charCodeAt(pos + 1) === 10 ? 2 : 0;
    if (nl === 0) break;
    const lineStart = pos + nl;
    let lineEnd = lineStart;
    while (lineEnd < text.length && lineEnd - lineStart <= width && isB64(text.charCodeAt(lineEnd))) lineEnd++;
    const len = lineEnd - lineStart;
    if (len === 0 || len > width) break;
    parts.push(text.slice(lineStart, lineEnd));
    last = lineStart;
    pos = lineEnd;
    while (next < spans.length && spans[next]! < pos) next += 2;
    if (len < width) break;
    // The block, newlines included, stays within the longest run the chunked reader's overlap allows for.
    if (pos - start + width + 2 > MAX_ENCODED_RUN) {
      cut = true;
      break;
    }
  }
  if (parts.length < 2) return null;
  let end = pos;
  if (text.charCodeAt(end) === 61) end += text.charCodeAt(end + 1) === 61 ? 2 : 1;
  return { body: parts.join(''), end, next, cut, last };
}

/** A wrapped block up to this long is tried again as a block from each of its lines (see base64View). */
const RETRIED_BLOCK = 16 << 10;

/** Longer base64 runs are not decoded (the chunked reader sizes its window overlap by this). */
export const MAX_ENCODED_RUN = 1 << 20;

/** Mostly printable text (what a base64-wrapped secret or config decodes to). */
function printable(s: string): boolean {
  let bad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f || c === 0xfffd) bad++;
  }
  return bad <= s.length * 0.02;
}

let scratch = Buffer.allocUnsafe(4096);

/**
 * `body` decoded from base64 as UTF-8 text, or null when it cannot pass `printable`: each byte below
 * 0x20 (but tab / newline / return) or 0x7f decodes to its own bad character, and the text is never
 * longer than its bytes, so more of those than 2% of the bytes rejects it before any string is made.
 * Decodes into one reused buffer (most runs are random data, rejected here).
 */
function decodePrintable(body: string): string | null {
  const need = (body.length >> 2) * 3 + 3;
  if (scratch.length < need) scratch = Buffer.allocUnsafe(Math.max(need, scratch.length * 2));
  const n = scratch.write(body, 'base64');
  const limit = n * 0.02;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = scratch[i]!;
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f) {
      if (++bad > limit) return null;
    }
  }
  return scratch.toString('utf8', 0, n);
}

/**
 * Base64 (and base64url) runs of MIN_RUN+ characters that start as ASCII text and decode to printable
 * text, replaced by that text.
 * `interesting` decides whether a decoded run is worth a view (e.g. it holds a keyword or a UUID).
 */
export function base64View(text: string, interesting: (decoded: string) => boolean, runs?: readonly number[]): View | null {
  const reps: Replacement[] = [];
  // Maximal runs of MIN_RUN+ base64 characters (prefilter.ts finds them without a regex), then `={0,2}`.
  const spans = runs ?? base64Runs(text, MIN_RUN);
  // A payload is kept when it decodes to printable text of 16+ characters that holds a term a rule needs.
  const printableText = (body: string): string | null => {
    const decoded = decodePrintable(body);
    return decoded !== null && decoded.length >= 16 && printable(decoded) ? decoded : null;
  };
  /** Lines that start before this are inside a block already tried (see below). */
  let tried = -1;
  for (let i = 0; i < spans.length; i += 2) {
    const start = spans[i]!;
    if (!startsAsText(text, start)) continue;
    // Lines of one wrapped block decode together; a block that does not decode to interesting text
    // leaves its lines to be tried one by one, and again as a block from each of them (a part of a
    // block may pass where the whole did not: binary data, then text) — but not when the whole
    // decoded to printable text without a term a rule needs: no part of it holds one either (its
    // bytes are a tail of the whole's, and UTF-8 finds its feet after at most 3 of them); nor in a
    // block of more than RETRIED_BLOCK characters, where trying each part costs the square of its
    // length (4 MB of wrapped base64 took 13 s, 3 MB of it decoding to plain text 11 minutes; 0.2-0.6 s
    // now). Where a block was cut at MAX_ENCODED_RUN, the next one may start from its second half on,
    // so every stretch of half that length is decoded whole once.
    const block = start >= tried ? wrappedBlock(text, spans, i) : null;
    if (block) {
      const decoded = block.body.length % 4 !== 1 ? printableText(block.body) : null;
      if (decoded !== null && interesting(decoded)) {
        reps.push({ oStart: start, oLen: block.end - start, value: decoded, opaque: true });
        i = block.next - 2;
        continue;
      }
      // Printable text without a term a rule needs (dull), or a big block. Its last line starts a
      // block of its own width, which may go on past this one.
      if (decoded !== null || block.end - start > RETRIED_BLOCK) tried = block.cut ? start + ((block.end - start) >> 1) : block.last;
    }
    let end = spans[i + 1]!;
    if (end - start > MAX_ENCODED_RUN) continue;
    const bodyEnd = end;
    if (text.charCodeAt(end) === 61) end += text.charCodeAt(end + 1) === 61 ? 2 : 1;
    if ((bodyEnd - start) % 4 === 1) continue;
    // Pure identifiers and hex strings are not base64 payloads worth decoding.
    if (!worthDecoding(text, start, bodyEnd)) continue;
    const decoded = printableText(text.slice(start, bodyEnd));
    if (decoded === null || !interesting(decoded)) continue;
    reps.push({ oStart: start, oLen: end - start, value: decoded, opaque: false });
  }
  return reps.length ? buildView('base64', text, reps) : null;
}
