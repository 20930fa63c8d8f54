/**
 * Decoded views of a text: the same text with one layer of encoding undone (base64 runs, URL
 * escapes, backslash / JSON escapes), plus a map from view offsets back to the original text so a
 * finding points where the user sees it. Pure.
 */
import { base64Runs, isB64, MIN_RUN } from './prefilter.js';

interface Segment {
  vStart: number;
  vLen: number;
  oStart: number;
  oLen: number;
  /** True where the view holds decoded text standing for `oLen` encoded characters. */
  decoded: boolean;
  /**
   * A base64 block over several lines, whose decoded text does not map to columns one to one: where
   * each of its lines starts in the text (a match in it points at the lines that encode it); null
   * for any other segment.
   */
  lines: readonly number[] | null;
  /** Base64 characters in each of `lines` but the last. */
  width: number;
  /** Decoded UTF-16LE text (2 bytes to a character), not UTF-8. */
  wide: boolean;
}

/** A base64 view: segments of decoded runs and blocks between the text's own. */
export interface View {
  kind: 'base64';
  text: string;
  segments: Segment[];
  /** The text the view decodes. */
  source: string;
}

interface Replacement {
  oStart: number;
  oLen: number;
  value: string;
  /** Always set (null and 0 for most): objects of one shape, for the JIT. */
  lines: readonly number[] | null;
  width: number;
  wide: boolean;
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
      segments.push({ vStart: v, vLen: len, oStart: o, oLen: len, decoded: false, lines: null, width: 0, wide: false });
      v += len;
    }
    parts.push(r.value);
    segments.push({ vStart: v, vLen: r.value.length, oStart: r.oStart, oLen: r.oLen, decoded: true, lines: r.lines, width: r.width, wide: r.wide });
    v += r.value.length;
    o = r.oStart + r.oLen;
  }
  if (o < text.length) {
    parts.push(text.slice(o));
    segments.push({ vStart: v, vLen: text.length - o, oStart: o, oLen: text.length - o, decoded: false, lines: null, width: 0, wide: false });
  }
  return { kind, text: parts.join(''), segments, source: text };
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

function mapOffset(view: View, seg: Segment, vOffset: number, roundUp: boolean): number {
  const d = vOffset - seg.vStart;
  if (!seg.decoded) return seg.oStart + d;
  if (seg.vLen === 0) return seg.oStart;
  if (seg.lines !== null) return blockOffset(view, seg, seg.lines, d, roundUp);
  // Inside a decoded base64 run, 3 decoded bytes stand for 4 characters.
  const bytes = seg.wide ? 2 * d : d;
  const scaled = roundUp ? Math.ceil(bytes / 3) * 4 : Math.floor(bytes / 3) * 4;
  return seg.oStart + Math.min(seg.oLen, scaled);
}

/** Per block segment: its decoded bytes, when its text is not ASCII (null when it is). */
const blockBytes = new WeakMap<Segment, Buffer | null>();

/**
 * The decoded bytes before the `d`th UTF-16 unit of a block segment's text. ASCII text: `d`. Else
 * counted on the block's bytes (decoded again from its base64) as Buffer#toString decodes them: an
 * invalid byte is one U+FFFD there, so the text's own UTF-8 length would be off (3 bytes for 1).
 */
function bytesBefore(view: View, seg: Segment, d: number): number {
  if (seg.wide) return 2 * d;
  let bytes = blockBytes.get(seg);
  if (bytes === undefined) {
    const ascii = !/[^\x00-\x7f]/.test(view.text.slice(seg.vStart, seg.vStart + seg.vLen));
    bytes = ascii ? null : Buffer.from(view.source.slice(seg.oStart, seg.oStart + seg.oLen).replace(/[^A-Za-z0-9+/_=-]/g, ''), 'base64');
    blockBytes.set(seg, bytes);
  }
  return bytes === null ? d : byteOfUnit(bytes, d);
}

/**
 * Where, in `bytes` decoded as UTF-8 (WHATWG's decoder, as Buffer#toString: one U+FFFD per maximal
 * invalid part), the character holding UTF-16 unit `d` starts (bytes.length past the end).
 */
export function byteOfUnit(bytes: Uint8Array, d: number): number {
  let units = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xbf;
  let start = 0;
  let lead = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (needed !== 0) {
      if (b >= lower && b <= upper) {
        lower = 0x80;
        upper = 0xbf;
        if (++seen === needed) {
          units += lead >= 0xf0 ? 2 : 1;
          needed = seen = 0;
        }
        continue;
      }
      // Cut short: one U+FFFD from where it started, and this byte starts afresh.
      needed = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      if (units + 1 > d) return start;
      units++;
    }
    if (units >= d) return i;
    const n = leadNeeds(b);
    if (n <= 0) units++;
    else {
      needed = n;
      lower = leadLower;
      upper = leadUpper;
      start = i;
      lead = b;
    }
  }
  if (needed !== 0 && units + 1 > d) return start;
  return bytes.length;
}

/**
 * Where the `d`th character of a wrapped block's decoded text is encoded: its UTF-8 bytes before it,
 * 3 to each 4 base64 characters, counted along the block's lines (each `width` long but the last).
 * Two secrets in one block point at their own lines, not both at the block (where the report kept
 * one of them, and an allowed or baselined first one hid the others).
 */
function blockOffset(view: View, seg: Segment, lines: readonly number[], d: number, roundUp: boolean): number {
  const bytes = bytesBefore(view, seg, d);
  const c = roundUp ? Math.ceil(bytes / 3) * 4 : Math.floor(bytes / 3) * 4;
  const end = seg.oStart + seg.oLen;
  let line = Math.floor(c / seg.width);
  let col = c - line * seg.width;
  // An end at a line's end stays on that line (not at the next one's start).
  if (roundUp && col === 0 && line > 0) {
    line--;
    col = seg.width;
  }
  if (line >= lines.length) return end;
  return Math.min(end, Math.max(seg.oStart, lines[line]! + col));
}

/** Map a view range back to the original text; `decoded` tells whether it touched decoded text. */
export function mapRange(view: View | EscapeView, vStart: number, vEnd: number): { start: number; end: number; decoded: boolean } {
  if (view.kind !== 'base64') return mapEscapes(view, vStart, vEnd);
  const a = segmentAt(view, vStart);
  const b = segmentAt(view, Math.max(vStart, vEnd - 1));
  let decoded = false;
  for (let i = a; i <= b; i++) if (view.segments[i]!.decoded) decoded = true;
  const sa = view.segments[a]!;
  const sb = view.segments[b]!;
  let start = mapOffset(view, sa, vStart, false);
  let end = mapOffset(view, sb, vEnd, true);
  // A match that ends inside a decoded part of one or two characters covers all of it.
  if (sb.decoded && vEnd > sb.vStart && sb.vLen <= 2) end = sb.oStart + sb.oLen;
  if (sa.decoded && sa.vLen <= 2) start = sa.oStart;
  if (end <= start) end = start + 1;
  return { start, end, decoded };
}

// --- backslash / JSON escapes and URL escapes --------------------------------------------------

/**
 * The text with one kind of escape undone, and where each escape is: plain text between escapes maps
 * one to one, and each escape stands for one character or none (a line continuation). Kept in typed
 * arrays, not an object per escape: a text of dense escapes holds millions (8 MB of `%XX` took 0.5 GB
 * and most of its scan in those objects and their GC).
 */
export interface EscapeView {
  kind: 'escaped' | 'url' | 'ansi' | 'markup' | 'quoted-printable' | 'folded';
  text: string;
  count: number;
  /** Per escape: where its character is in the view (where it would be, for a line continuation). */
  at: Int32Array;
  /** Per escape: where it starts in the source. */
  from: Int32Array;
  /** Per escape: its length in the source. */
  size: Uint8Array;
  /** Per escape: the characters it stands for (0 or 1). */
  chars: Uint8Array;
}

/**
 * Characters decoded, or copied from short gaps between escapes, not yet made a string (see flush).
 * One for every builder: a view is built in one call, never while another is.
 */
const pending = new Uint16Array(4096);

/** Collects the escapes of one text, in order, and the view's text as they come. */
class EscapeBuilder {
  count = 0;
  at = new Int32Array(64);
  from = new Int32Array(64);
  size = new Uint8Array(64);
  chars = new Uint8Array(64);
  private parts: string[] = [];
  /** How much of `pending` is this view's text. */
  private held = 0;
  /** Source up to here is in the view. */
  private o = 0;
  /** The view's length so far. */
  private v = 0;

  constructor(private readonly source: string) {}

  /** An escape of `size` characters at `from` in the source, standing for `code` (none when -1). */
  add(from: number, size: number, code: number): void {
    const gap = from - this.o;
    if (gap > 0) {
      // Dense escapes (a Windows path, `%XX` runs) make one string of many short gaps and escapes,
      // not one each; a long gap is a slice of the source.
      if (gap < 32) for (let k = this.o; k < from; k++) this.hold(this.source.charCodeAt(k));
      else {
        this.flush();
        this.parts.push(this.source.slice(this.o, from));
      }
      this.v += gap;
    }
    if (this.count === this.at.length) this.grow();
    const i = this.count++;
    this.at[i] = this.v;
    this.from[i] = from;
    this.size[i] = size;
    this.chars[i] = code < 0 ? 0 : 1;
    if (code >= 0) {
      this.hold(code);
      this.v++;
    }
    this.o = from + size;
  }

  view(kind: EscapeView['kind']): EscapeView | null {
    if (this.count === 0) return null;
    this.flush();
    if (this.o < this.source.length) this.parts.push(this.source.slice(this.o));
    const { count, at, from, size, chars } = this;
    return { kind, text: this.parts.join(''), count, at, from, size, chars };
  }

  private hold(code: number): void {
    if (this.held === pending.length) this.flush();
    pending[this.held++] = code;
  }

  private flush(): void {
    if (this.held === 0) return;
    this.parts.push(String.fromCharCode.apply(null, pending.subarray(0, this.held) as unknown as number[]));
    this.held = 0;
  }

  private grow(): void {
    const n = this.at.length * 2;
    const widen = <T extends Int32Array | Uint8Array>(a: T, b: T): T => (b.set(a), b);
    this.at = widen(this.at, new Int32Array(n));
    this.from = widen(this.from, new Int32Array(n));
    this.size = widen(this.size, new Uint8Array(n));
    this.chars = widen(this.chars, new Uint8Array(n));
  }
}

/** The value of hex digit `c` (a character code); -1 for another character. */
const hexValue = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;

/** The characters `\n` `\r` `\t` `\b` `\f` `\0` stand for; any other escaped character stands for itself. */
const SIMPLE: Record<number, number> = { 110: 10, 114: 13, 116: 9, 98: 8, 102: 12, 48: 0 };

/**
 * Backslash / JSON escapes undone: `\uXXXX`, `\xXX`, the simple ones, and any other escaped
 * character as itself (one UTF-16 unit). A backslash before a line end is a line continuation (shell,
 * C, JS and Python strings): it stands for nothing.
 */
export function escapedView(text: string): EscapeView | null {
  const b = new EscapeBuilder(text);
  const n = text.length;
  for (let i = text.indexOf('\\'); i !== -1 && i + 1 < n; ) {
    const c = text.charCodeAt(i + 1);
    let size = 2;
    let code: number;
    const u = c === 117 ? hex(text, i + 2, 4) : -1;
    const x = c === 120 && u < 0 ? hex(text, i + 2, 2) : -1;
    if (u >= 0) {
      code = u;
      size = 6;
    } else if (x >= 0) {
      code = x;
      size = 4;
    } else if (c === 10) code = -1;
    else if (c === 13 && text.charCodeAt(i + 2) === 10) {
      code = -1;
      size = 3;
    } else code = SIMPLE[c] ?? c;
    b.add(i, size, code);
    i = text.indexOf('\\', i + size);
  }
  return b.view('escaped');
}

/** The value of `digits` hex digits at `at` in `text`; -1 where one is not. */
export function hex(text: string, at: number, digits: number): number {
  let value = 0;
  for (let k = 0; k < digits; k++) {
    const d = hexValue(text.charCodeAt(at + k));
    if (d < 0) return -1;
    value = value * 16 + d;
  }
  return value;
}

/** URL escapes (`%XX`) undone, each as the one character of that code (bytes are not put together as UTF-8). */
export function urlView(text: string): EscapeView | null {
  const b = new EscapeBuilder(text);
  for (let i = text.indexOf('%'); i !== -1; i = text.indexOf('%', i + 1)) {
    const code = hex(text, i + 1, 2);
    if (code < 0) continue;
    b.add(i, 3, code);
    i += 2;
  }
  return b.view('url');
}

/**
 * The length of the terminal control sequence at `at` (`ESC [`, parameters, intermediates, a final
 * character: colours, cursor moves), 0 where none is, or where it is longer than an escape may be.
 */
export function controlSequenceAt(text: string, at: number): number {
  if (text.charCodeAt(at) !== 27 || text.charCodeAt(at + 1) !== 91) return 0;
  let i = at + 2;
  while (i < text.length && i - at < 255) {
    const c = text.charCodeAt(i++);
    if (c >= 0x40 && c <= 0x7e) return i - at;
    if (c < 0x20 || c > 0x3f) return 0;
  }
  return 0;
}

/**
 * Terminal colours and cursor moves taken out (CI logs, a CLI's coloured output), each standing for
 * nothing: `HUBSPOT_CLIENT_SECRET=ESC[32m<secret>ESC[0m` reads as a name and its value.
 */
export function ansiView(text: string): EscapeView | null {
  const b = new EscapeBuilder(text);
  for (let i = text.indexOf('\x1b'); i !== -1; ) {
    const size = controlSequenceAt(text, i);
    if (size > 0) b.add(i, size, -1);
    i = text.indexOf('\x1b', i + Math.max(1, size));
  }
  return b.view('ansi');
}

// --- quoted-printable ------------------------------------------------------------------------

/**
 * Quoted-printable text (an e-mail's body, as mail clients send it): `=XX` an ASCII character
 * (`hapikey=3D…`), `=` at a line's end a soft break that joins the lines (a key cut at 76
 * characters). Bytes above ASCII are left as they are: no token holds one.
 */
export function quotedPrintableView(text: string): EscapeView | null {
  const b = new EscapeBuilder(text);
  for (let i = text.indexOf('='); i !== -1; ) {
    const c1 = text.charCodeAt(i + 1);
    let size = 0;
    let code = -1;
    if (c1 === 10) size = 2;
    else if (c1 === 13 && text.charCodeAt(i + 2) === 10) size = 3;
    else {
      const hi = hexValue(c1);
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0 && hi < 8) {
        size = 3;
        code = hi * 16 + lo;
      }
    }
    if (size > 0) b.add(i, size, code);
    i = text.indexOf('=', i + Math.max(1, size));
  }
  return b.view('quoted-printable');
}

// --- folded lines ----------------------------------------------------------------------------

/**
 * Folded lines unfolded (iCalendar and vCard write a long line on, after a line end, behind one
 * space or tab: a key in an invite's description is cut at 75 octets). The text is as the file
 * holds it, a fold taken out.
 */
export function unfoldedView(text: string): EscapeView | null {
  const b = new EscapeBuilder(text);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    const next = text.charCodeAt(i + 1);
    if (next !== 32 && next !== 9) continue;
    const start = i > 0 && text.charCodeAt(i - 1) === 13 ? i - 1 : i;
    b.add(start, i + 2 - start, -1);
    i++;
  }
  return b.view('folded');
}

// --- markup ----------------------------------------------------------------------------------

/** Tags a reader sees as a line's end (a paragraph's, a list item's, a row's, a line break). */
const LINE_TAG = /^<(?:\/(?:p|div|li|tr|h[1-6]|table|ul|ol|dl|dt|dd|blockquote|pre|section|article|header|footer|title|caption)|br|hr)(?![\w:-])/i;
/** Tags that end a table cell: a tab, as a cell's end is in a .tsv file. */
const CELL_TAG = /^<\/(?:td|th)(?![\w:-])/i;
/** Inline markup, in a word as much as between words: taken out without a trace (a token split by a spell-check mark is one token). */
const INLINE_TAG = /^<\/?(?:span|b|i|u|s|a|em|strong|code|font|o:p|sup|sub|small|big|mark|del|ins|abbr|kbd|tt|samp|var|cite|q|label|wbr|nobr|img)(?![\w:-])/i;
/** A cell's opening: what comes before it ends a row or a cell already. */
const CELL_OPEN = /^<(?:td|th)(?![\w:-])/i;
/** The end of a cell, after blanks (a paragraph's end just before it is the cell's). */
const CELL_NEXT = /^[ \t\r\n]*<\/(?:td|th)(?![\w:-])/i;
/** Tags of blocks and cells, opening or closing: the blanks around them are layout (a pretty-printed export's indentation), not text. */
const BLOCK_TAG = /^<\/?(?:p|div|li|tr|td|th|h[1-6]|table|thead|tbody|ul|ol|dl|dt|dd|blockquote|section|article|header|footer|title|caption|br|hr|body|head|html)(?![\w:-])/i;
/** A tag longer than this is not one (a `<` in text, an unclosed tag). */
const MAX_TAG = 4096;
/** What is taken out of markup text: a tag, a comment, a CDATA opening, a non-breaking space. */
const MARKUP = /<(?:[a-z/]|!--|!\[CDATA\[)|&(?:nbsp|#160|#xa0);/gi;

/**
 * Markup as its reader sees the text (HTML mail, wiki and document exports): tags and comments taken
 * out, a paragraph's or a line break's end a line end, a cell's end (or an XML element's) a tab,
 * inline markup nothing, `&nbsp;` a space, the
 * blanks around a block's or a cell's tags (a pretty-printed export's layout) nothing. A
 * key's name in one element and its value in the next (`<b>API key:</b> …`, `<p>API key:</p><p>…`,
 * `<th>API key</th><td>…`), or a token split by a spell-check mark's `<span>`, read as they show.
 */
export function markupView(text: string): EscapeView | null {
  const b = new EscapeBuilder(text);
  const blank = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
  /** Where the last thing taken out ends. */
  let last = 0;
  /** Whether the view so far ends apart from what comes next (its start, a line end, a tab, a cell's opening): a block's opening then adds no line. */
  let apart = true;
  MARKUP.lastIndex = 0;
  for (let m = MARKUP.exec(text); m !== null; m = MARKUP.exec(text)) {
    let i = m.index;
    let end: number;
    let code = -1;
    if (m[0].startsWith('&')) {
      end = i + m[0].length;
      code = 32;
    } else if (m[0] === '<!--') {
      const e = text.indexOf('-->', i + 4);
      if (e === -1) break;
      end = e + 3;
    } else if (m[0] === '<![CDATA[') {
      end = i + m[0].length;
    } else {
      const e = text.indexOf('>', i + 1);
      if (e === -1 || e - i > MAX_TAG) continue;
      const lt = text.indexOf('<', i + 1);
      if (lt !== -1 && lt < e) continue; // `a <b and <c>`: the first is text
      end = e + 1;
      const head = text.slice(i, Math.min(end, i + 16));
      // Another element's end (XML's `</name><value>…`) parts what is on either side, as a cell's does.
      code = CELL_TAG.test(head) ? 9 : LINE_TAG.test(head) ? 10 : head[1] === '/' && !INLINE_TAG.test(head) ? 9 : -1;
      if (code === 10 && CELL_NEXT.test(text.slice(end, end + 64))) code = -1;
      if (BLOCK_TAG.test(head)) {
        // The blanks around a block's tag are layout: taken out with it, and what was on either side
        // stays apart (a block's opening starts a line; a cell's follows its row's or the cell's end).
        while (i > last && blank(text.charCodeAt(i - 1))) i--;
        while (end < text.length && blank(text.charCodeAt(end))) end++;
        if (i > last) apart = i === 0;
        const cellOpen = CELL_OPEN.test(head);
        if (code === -1 && head[1] !== '/' && !cellOpen && !apart) code = 10;
        if (cellOpen) apart = true;
      } else if (i > last) {
        apart = false;
      }
    }
    // An escape is at most 255 source characters: a longer tag is taken out in parts.
    let from = i;
    for (; end - from > 255; from += 255) b.add(from, 255, -1);
    b.add(from, end - from, code);
    if (code === 9 || code === 10) apart = true;
    MARKUP.lastIndex = last = end;
  }
  return b.view('markup');
}

/** The last escape that ends at or before view offset `v` (-1 for none): escapes end in order. */
function lastEndingBy(view: EscapeView, v: number): number {
  let lo = 0;
  let hi = view.count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (view.at[mid]! + view.chars[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * Map a view range of an escape view back to its source: a plain character to itself, an escaped
 * one to its whole escape. `decoded` when the range holds an escaped character, or a line
 * continuation after its first character.
 */
function mapEscapes(view: EscapeView, vStart: number, vEnd: number): { start: number; end: number; decoded: boolean } {
  const { at, from, size, chars, count } = view;
  /** Where view character v is in the source: its escape's start, or its plain place. */
  const place = (v: number, end: boolean): number => {
    const j = lastEndingBy(view, v);
    // The next escape ends after v: it holds v if it starts there (one standing for nothing ends where it starts).
    const k = j + 1;
    if (k < count && at[k] === v) return end ? from[k]! + size[k]! : from[k]!;
    return (j < 0 ? v : from[j]! + size[j]! + (v - at[j]! - chars[j]!)) + (end ? 1 : 0);
  };
  const last = Math.max(vStart, vEnd - 1);
  const start = place(vStart, false);
  const end = vEnd > vStart ? place(last, true) : start;
  const k = lastEndingBy(view, vStart) + 1;
  return { start, end: end <= start ? start + 1 : end, decoded: k < count && at[k]! <= last };
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
 * Whether the first 3 bytes a run decodes to are ASCII text, UTF-16LE text (PowerShell's
 * `-EncodedCommand`, .NET's `Encoding.Unicode`: a zero byte after each ASCII one) or a byte-order
 * mark: what a base64-wrapped config, env file, script, header or token starts with. Read from the first 4 characters
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
  if (textByte(b0) && textByte(b2)) return textByte(b1) || b1 === 0;
  return (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) || (b0 === 0xff && b1 === 0xfe);
}

/**
 * A base64 block wrapped at a fixed width (`base64` wraps at 76 characters, PEM and openssl at 64)
 * starting with the run at spans[i]: each following line as long as the first, then a last line
 * that may be shorter, then `={0,2}`. A first line indented with spaces or tabs (a YAML block
 * scalar, a cloud-init or Kubernetes file) needs the same indent on each of the others. Its body is
 * the lines joined; `next` is the index of the first run after it. Null when the run is not the
 * first line of such a block.
 */
interface WrappedBlock {
  /** The lines joined. */
  body: string;
  end: number;
  next: number;
  cut: boolean;
  /** Where its last line starts. */
  last: number;
  /** Where each line starts (each but the last is `width` characters long). */
  starts: number[];
  width: number;
}

function wrappedBlock(text: string, spans: readonly number[], i: number): WrappedBlock | null {
  const start = spans[i]!;
  const width = spans[i + 1]! - start;
  if (width % 4 !== 0 || width > 1024) return null;
  const parts = [text.slice(start, start + width)];
  let pos = start + width;
  let next = i + 2;
  let cut = false;
  let last = start;
  const starts = [start];
  const indent = indentBefore(text, start);
  for (;;) {
    const nl = text.charCodeAt(pos) === 10 ? 1 : text.charCodeAt(pos) === 13 && text.charCodeAt(pos + 1) === 10 ? 2 : 0;
    if (nl === 0) break;
    if (indent !== '' && !text.startsWith(indent, pos + nl)) break;
    const lineStart = pos + nl + indent.length;
    let lineEnd = lineStart;
    while (lineEnd < text.length && lineEnd - lineStart <= width && isB64(text.charCodeAt(lineEnd))) lineEnd++;
    const len = lineEnd - lineStart;
    if (len === 0 || len > width) break;
    // The block, newlines and `==` included, stays within the longest run the chunked reader's
    // overlap allows for: a line that would take it past is left for the next block.
    if (lineEnd + 2 - start > MAX_ENCODED_RUN) {
      cut = true;
      break;
    }
    parts.push(text.slice(lineStart, lineEnd));
    starts.push(lineStart);
    last = lineStart;
    pos = lineEnd;
    while (next < spans.length && spans[next]! < pos) next += 2;
    if (len < width) break;
  }
  if (parts.length < 2) return null;
  let end = pos;
  if (text.charCodeAt(end) === 61) end += text.charCodeAt(end + 1) === 61 ? 2 : 1;
  return { body: parts.join(''), end, next, cut, last, starts, width };
}

/** The spaces and tabs a line holds before `start` when they are all it holds before it, else ''. */
function indentBefore(text: string, start: number): string {
  let i = start;
  while (i > 0 && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  if (i === start || (i > 0 && text.charCodeAt(i - 1) !== 10 && text.charCodeAt(i - 1) !== 13)) return '';
  return text.slice(i, start);
}

/** Longer base64 runs are not decoded (the chunked reader sizes its window overlap by this). */
export const MAX_ENCODED_RUN = 1 << 20;

/** A character a printable text may hold few of: a control character but tab, newline and return, DEL, U+FFFD. */
const badChar = (c: number): boolean => (c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0x7f || c === 0xfffd;

/** Mostly printable text (what a base64-wrapped secret or config decodes to). */
function printable(s: string): boolean {
  let bad = 0;
  for (let i = 0; i < s.length; i++) if (badChar(s.charCodeAt(i))) bad++;
  return bad <= s.length * 0.02;
}

let scratch = Buffer.allocUnsafe(4096);

/** `body` decoded from base64 into one reused buffer (most runs are random data, rejected at once); its length. */
function decodeInto(body: string): number {
  const need = (body.length >> 2) * 3 + 3;
  if (scratch.length < need) scratch = Buffer.allocUnsafe(Math.max(need, scratch.length * 2));
  return scratch.write(body, 'base64');
}

/** Whether the first `n` decoded bytes are UTF-16LE: its byte-order mark, or ASCII with a zero byte after each of the first two characters. */
function wideDecoded(n: number): boolean {
  return n >= 4 && ((scratch[0] === 0xff && scratch[1] === 0xfe) || (scratch[0] !== 0 && scratch[1] === 0 && scratch[2] !== 0 && scratch[3] === 0));
}

/**
 * The first `n` decoded bytes as text of 16+ characters that passes `printable`, or null: UTF-16LE
 * where they start as it (wideDecoded), else UTF-8. Each
 * byte below 0x20 (but tab / newline / return) or 0x7f decodes to its own bad character, and the
 * text is never longer than its bytes, so more of those than 2% of the bytes rejects it before any
 * string is made.
 */
function printableDecoded(n: number): string | null {
  if (wideDecoded(n)) {
    const s = scratch.toString('utf16le', 0, n & ~1);
    return s.length >= 16 && printable(s) ? s : null;
  }
  const limit = n * 0.02;
  let bad = 0;
  for (let i = 0; i < n; i++) if (badChar(scratch[i]!) && ++bad > limit) return null;
  const s = scratch.toString('utf8', 0, n);
  return s.length >= 16 && printable(s) ? s : null;
}

/** For each of `offsets` (ascending): how many of `bytes[offset, n)` are bad characters on their own (below 0x20 but tab / newline / return, 0x7f). One pass from the end. */
export function tailBadBytes(bytes: Uint8Array, n: number, offsets: readonly number[]): number[] {
  const out: number[] = new Array<number>(offsets.length).fill(0);
  let acc = 0;
  for (let i = n, k = offsets.length - 1; k >= 0; i--) {
    while (k >= 0 && offsets[k]! >= i) out[k--] = acc;
    if (i === 0) break;
    if (badChar(bytes[i - 1]!)) acc++;
  }
  return out;
}

const isContinuation = (b: number): boolean => (b & 0xc0) === 0x80;

/** The bounds of the byte after a lead byte (leadNeeds sets them): WHATWG's UTF-8 decoder's. */
let leadLower = 0x80;
let leadUpper = 0xbf;
/** The payload bits of a lead byte needing 1, 2 or 3 more bytes. */
const LEAD_MASK = [0x7f, 0x1f, 0x0f, 0x07];

/**
 * How many continuation bytes a byte starting a character needs in UTF-8 (WHATWG's decoder): 0 for
 * ASCII, -1 for a byte that cannot start one (a U+FFFD of its own); sets the bounds of the next byte.
 */
function leadNeeds(b: number): number {
  leadLower = 0x80;
  leadUpper = 0xbf;
  if (b < 0x80) return 0;
  if (b >= 0xc2 && b <= 0xdf) return 1;
  if (b >= 0xe0 && b <= 0xef) {
    if (b === 0xe0) leadLower = 0xa0;
    else if (b === 0xed) leadUpper = 0x9f;
    return 2;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    if (b === 0xf0) leadLower = 0x90;
    else if (b === 0xf4) leadUpper = 0x8f;
    return 3;
  }
  return -1;
}

/**
 * For each of `offsets` (ascending), the UTF-16 units and the bad characters (as `printable` counts
 * them, U+FFFD included) of the text `bytes[offset, n)` decodes to as UTF-8 (as Buffer#toString
 * does: WHATWG's decoder, one U+FFFD per maximal invalid part), in one pass over the bytes for all
 * of them: a wrapped base64 block whose whole is not text is read once, not once from each line.
 * Started at an offset, the decoder meets the whole's at the first byte there that does not
 * continue a sequence (each continuation byte before it is a U+FFFD of its own): such a byte starts
 * afresh in both (a sequence it cuts short is one U+FFFD, counted before it).
 */
export function tailText(bytes: Uint8Array, n: number, offsets: readonly number[]): { units: number; bad: number }[] {
  // Where each offset's decoder meets the whole's.
  const fresh: number[] = [];
  for (let k = 0, p = 0; k < offsets.length; k++) {
    p = Math.max(p, offsets[k]!);
    while (p < n && isContinuation(bytes[p]!)) p++;
    fresh.push(p);
  }
  // The whole's decoder, noting its counts before it starts afresh at each meeting point.
  let units = 0;
  let bad = 0;
  const before: [number, number][] = [];
  const emit = (c: number): void => {
    units += c > 0xffff ? 2 : 1;
    if (badChar(c)) bad++;
  };
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xbf;
  let cp = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (needed !== 0) {
      if (b >= lower && b <= upper) {
        lower = 0x80;
        upper = 0xbf;
        cp = (cp << 6) | (b & 0x3f);
        if (++seen === needed) {
          emit(cp);
          needed = seen = 0;
        }
        continue;
      }
      // Cut short: one U+FFFD, and this byte starts afresh.
      needed = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      emit(0xfffd);
    }
    while (k < fresh.length && fresh[k] === i) before[k++] = [units, bad];
    const lead = leadNeeds(b);
    if (lead === 0) emit(b);
    else if (lead < 0) emit(0xfffd);
    else {
      needed = lead;
      lower = leadLower;
      upper = leadUpper;
      cp = b & LEAD_MASK[lead]!;
    }
  }
  if (needed !== 0) emit(0xfffd);
  while (k < fresh.length) before[k++] = [units, bad];
  return offsets.map((o, j) => {
    const stray = fresh[j]! - o;
    return { units: stray + units - before[j]![0], bad: stray + bad - before[j]![1] };
  });
}

/**
 * A wrapped block whose whole did not decode to text may still end in text (binary data, then a
 * config): the first of its lines from which the rest of the block decodes to printable text, as
 * decoding the block again from each line would find it, read from the whole's decoded `bytes` in
 * one pass. Its tail replaces the block from that line on when it holds a term a rule needs; a dull
 * one ends the search (a later tail is a tail of it). Lines that start a tail of 2 lines or more are
 * tried. In a block cut at MAX_ENCODED_RUN, those of its first half (the next block starts in its
 * second half), and a tail found there is read as the block that starts at its line (which goes on
 * past the cut) when that one is interesting text too. The block starts at `spans[i]`.
 */
function textTail(text: string, spans: readonly number[], i: number, block: WrappedBlock, bytes: Buffer, interesting: (decoded: string) => boolean): { rep: Replacement; next: number } | null {
  const first = block.starts[0]!;
  const half = block.cut ? first + ((block.end - first) >> 1) : Infinity;
  const lines: number[] = [];
  const offsets: number[] = [];
  for (let k = 1; k < block.starts.length - 1; k++) {
    const s = block.starts[k]!;
    if (s >= half) break;
    if (!startsAsText(text, s)) continue;
    lines.push(k);
    offsets.push((k * block.width * 3) / 4);
  }
  const n = bytes.length;
  // Tails with few bad bytes (as printableDecoded: most binary data has none), then their text.
  const badBytes = tailBadBytes(bytes, n, offsets);
  const kept = offsets.flatMap((o, c) => (badBytes[c]! <= (n - o) * 0.02 ? [c] : []));
  if (kept.length === 0) return null;
  const texts = tailText(bytes, n, kept.map((c) => offsets[c]!));
  const found = kept.find((_, j) => texts[j]!.units >= 16 && texts[j]!.bad <= texts[j]!.units * 0.02);
  if (found === undefined) return null;
  const decoded = bytes.toString('utf8', offsets[found], n);
  if (!interesting(decoded)) return null;
  const k = lines[found]!;
  const from = block.starts[k]!;
  if (block.cut && spans[i + 2 * k] === from) {
    // The block from that line (its lines are runs of their own, one after another in spans).
    const longer = wrappedBlock(text, spans, i + 2 * k);
    const got = longer && longer.body.length % 4 !== 1 ? decodeInto(longer.body) : 0;
    const whole = got > 0 ? printableDecoded(got) : null;
    if (longer && whole !== null && interesting(whole)) {
      return { rep: { oStart: from, oLen: longer.end - from, value: whole, lines: longer.starts, width: longer.width, wide: wideDecoded(got) }, next: longer.next };
    }
  }
  return { rep: { oStart: from, oLen: block.end - from, value: decoded, lines: block.starts.slice(k), width: block.width, wide: false }, next: block.next };
}

/**
 * Base64 (and base64url) runs of MIN_RUN+ characters that start as ASCII text and decode to printable
 * text, replaced by that text.
 * `interesting` decides whether a decoded run is worth a view (e.g. it holds a keyword or a UUID); it
 * must hold for a text whenever it holds for a part of it (a search for terms does): a block whose
 * text is not interesting is not searched for interesting parts.
 */
export function base64View(text: string, interesting: (decoded: string) => boolean, runs?: readonly number[]): View | null {
  const reps: Replacement[] = [];
  // Maximal runs of MIN_RUN+ base64 characters (prefilter.ts finds them without a regex), then `={0,2}`.
  const spans = runs ?? base64Runs(text, MIN_RUN);
  /** Lines that start before this are inside a block already read (see below). */
  let tried = -1;
  /** The text tail (textTail) of the block being read, put in when the loop reaches its first line. */
  let tail: { rep: Replacement; next: number } | null = null;
  for (let i = 0; i < spans.length; i += 2) {
    const start = spans[i]!;
    if (tail !== null && start >= tail.rep.oStart) {
      reps.push(tail.rep);
      i = tail.next - 2;
      tail = null;
      continue;
    }
    if (!startsAsText(text, start)) continue;
    // Lines of one wrapped block decode together. A block that does not decode to text may end in
    // text (binary data, then a config): its first tail that does (textTail) stands for it from
    // that line on. Either way its lines are also decoded one by one, and it is read once: its last
    // line starts a block of its own width, which may go on past this one; where it was cut at
    // MAX_ENCODED_RUN, the next block starts in its second half.
    const block = start >= tried ? wrappedBlock(text, spans, i) : null;
    if (block) {
      if (block.body.length % 4 !== 1) {
        const n = decodeInto(block.body);
        const decoded = printableDecoded(n);
        if (decoded !== null && interesting(decoded)) {
          reps.push({ oStart: start, oLen: block.end - start, value: decoded, lines: block.starts, width: block.width, wide: wideDecoded(n) });
          i = block.next - 2;
          continue;
        }
        // Printable text without a term a rule needs: no tail holds one either (its bytes are a tail
        // of the whole's, and UTF-8 finds its feet after at most 3 of them).
        if (decoded === null) tail = textTail(text, spans, i, block, scratch.subarray(0, n), interesting);
      }
      tried = block.cut ? start + ((block.end - start) >> 1) : block.last;
    }
    let end = spans[i + 1]!;
    if (end - start > MAX_ENCODED_RUN) continue;
    const bodyEnd = end;
    if (text.charCodeAt(end) === 61) end += text.charCodeAt(end + 1) === 61 ? 2 : 1;
    if ((bodyEnd - start) % 4 === 1) continue;
    // Pure identifiers and hex strings are not base64 payloads worth decoding.
    if (!worthDecoding(text, start, bodyEnd)) continue;
    const n = decodeInto(text.slice(start, bodyEnd));
    const decoded = printableDecoded(n);
    if (decoded === null || !interesting(decoded)) continue;
    reps.push({ oStart: start, oLen: end - start, value: decoded, lines: null, width: 0, wide: wideDecoded(n) });
  }
  if (tail !== null) reps.push(tail.rep);
  return reps.length ? buildView('base64', text, reps) : null;
}
