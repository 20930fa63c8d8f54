/**
 * Bytes → text as the user's editor would show it, and offset → line/column. Pure.
 */
import { isAscii, isUtf8 } from 'node:buffer';

export type TextEncodingName = 'utf8' | 'utf8-bom' | 'utf16le' | 'utf16be' | 'latin1';

export type Decoded =
  | {
      kind: 'text';
      text: string;
      encoding: TextEncodingName;
      /** The bytes the text was decoded from, when each is one of its characters (ASCII): `DetectInput.bytes`. */
      bytes?: Uint8Array | undefined;
    }
  | { kind: 'binary'; reason: string };

const SNIFF = 8192;
const CONTROL_SNIFF = 1024;
/** Most control bytes (NUL included) a text with a NUL in its first 8 KiB has there: 1%, or 4 in a small file. */
const NUL_TEXT_CONTROL = 0.01;
const NUL_TEXT_FEW = 4;

/** Control bytes that count against text (NUL included; not tab, newline, form feed, return, escape). */
function controlBytes(bytes: Uint8Array): number {
  let control = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1b) control++;
  }
  return control;
}
/**
 * Text whose only control bytes are single NULs between strings, and that is UTF-8 otherwise: a
 * process's environment (`/proc/<pid>/environ`), `find -print0` or `xargs -0` lists. Their NULs are
 * far above the 1% a text with a stray NUL has, and one such dump was skipped as binary with every
 * token in it (found by a trial). A binary has other control bytes too, or NULs in runs.
 */
function nulSeparated(head: Uint8Array): boolean {
  let nuls = 0;
  for (let i = 0; i < head.length; i++) {
    const byte = head[i]!;
    if (byte === 0) {
      if (i > 0 && head[i - 1] === 0) return false;
      nuls++;
    } else if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
  }
  return nuls > 0 && isUtf8(head.subarray(0, utf8Cut(head, Math.max(0, head.length - 1))));
}

/** A control byte that counts against text (not tab, newline, form feed, return, escape). */
const CONTROL_BYTE = /[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]/;

function swap16(buf: Uint8Array): Buffer {
  const out = Buffer.alloc(buf.length - (buf.length % 2));
  for (let i = 0; i + 1 < buf.length; i += 2) {
    out[i] = buf[i + 1]!;
    out[i + 1] = buf[i]!;
  }
  return out;
}

/**
 * UTF-16 without a BOM: most odd (LE) or even (BE) positions of the first bytes are NUL (ASCII-heavy
 * text), or, in text of other scripts (CJK: few NULs), the NULs are all on one side and the bytes
 * are not UTF-8 (a UTF-8 text with a stray NUL is).
 */
function utf16Guess(buf: Uint8Array): 'le' | 'be' | null {
  const n = Math.min(buf.length, SNIFF) & ~1;
  if (n < 8) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (buf[i] === 0) evenNul++;
    if (buf[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul > pairs * 0.7 && evenNul < pairs * 0.1) return 'le';
  if (evenNul > pairs * 0.7 && oddNul < pairs * 0.1) return 'be';
  const side = evenNul === 0 && oddNul >= 4 ? 'le' : oddNul === 0 && evenNul >= 4 ? 'be' : null;
  return side && pairedLineEnds(buf, n, side) && !isUtf8(buf.subarray(0, utf8Cut(buf, n))) ? side : null;
}

/**
 * Whether the first `n` bytes have line ends and each is a UTF-16 one on `side` (its byte in the
 * low place of a pair whose other byte is NUL): a legacy 8-bit text (Shift_JIS, Latin-1) with a few
 * stray NULs has its line ends anywhere.
 */
function pairedLineEnds(buf: Uint8Array, n: number, side: 'le' | 'be'): boolean {
  let ends = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[i]!;
    if (b !== 10 && b !== 13) continue;
    const low = side === 'le' ? i % 2 === 0 : i % 2 === 1;
    const other = side === 'le' ? buf[i + 1] : buf[i - 1];
    if (!low || other !== 0) return false;
    ends++;
  }
  return ends > 0;
}

/** Where the first `n` bytes end without cutting a UTF-8 sequence in two (all of them when that is the whole). */
function utf8Cut(buf: Uint8Array, n: number): number {
  if (n >= buf.length) return buf.length;
  let cut = n;
  while (cut > n - 4 && cut > 0 && (buf[cut]! & 0xc0) === 0x80) cut--;
  return cut;
}

/**
 * Node makes a string decoded from more than ~1 MB an external one: held outside V8's heap, where it
 * is collected late, so a big file's windows or a few megabyte-sized files pile up (~60–90 MB more
 * peak memory measured). Decoded in parts of at most this many bytes, text stays on the heap.
 */
const DECODE_PART = 1 << 19;

/** `decoder.decode(bytes, { stream: true })`, decoded in parts of at most DECODE_PART bytes (the same text). */
export function decodeInParts(decoder: { decode(bytes: Uint8Array, opts: { stream: boolean }): string }, bytes: Uint8Array): string {
  if (bytes.byteLength <= DECODE_PART) return decoder.decode(bytes, { stream: true });
  const parts: string[] = [];
  for (let i = 0; i < bytes.byteLength; i += DECODE_PART) parts.push(decoder.decode(bytes.subarray(i, i + DECODE_PART), { stream: true }));
  return parts.join('');
}

/** UTF-8 bytes → text, as Buffer#toString('utf8') gives it (a big text in parts: see DECODE_PART). */
function utf8(b: Buffer): string {
  // ASCII (most files; checked natively) decodes alike as latin1, which copies bytes to characters.
  if (b.length <= DECODE_PART) return isAscii(b) ? b.toString('latin1') : b.toString('utf8');
  const d = new TextDecoder('utf-8', { ignoreBOM: true });
  return decodeInParts(d, b) + d.decode();
}

/**
 * Decode file content. UTF-8 (with or without BOM), UTF-16 LE/BE (with BOM, or ASCII-heavy without),
 * and anything else with a NUL and more than 1% control bytes (and more than 4) in its first 8 KiB,
 * or more than 10% in its first KiB, is binary.
 */
export function decodeBytes(buf: Uint8Array): Decoded {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) {
    return { kind: 'text', text: b.subarray(2).toString('utf16le'), encoding: 'utf16le' };
  }
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    return { kind: 'text', text: swap16(b.subarray(2)).toString('utf16le'), encoding: 'utf16be' };
  }
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
    return utf8Text(b.subarray(3), 'utf8-bom');
  }
  const head = b.subarray(0, SNIFF);
  if (head.includes(0)) {
    const guess = utf16Guess(b);
    if (guess === 'le') return { kind: 'text', text: b.toString('utf16le'), encoding: 'utf16le' };
    if (guess === 'be') return { kind: 'text', text: swap16(b).toString('utf16le'), encoding: 'utf16be' };
    // A stray NUL does not make text binary (a log, a dump, a NUL-separated list): one NUL would hide
    // a whole file's secrets. Binaries with a NUL in their first 8 KiB have far more control bytes
    // there (8.5% at least in 3,000 archives, images, fonts, libraries and compiled files measured);
    // a tiny one taken for text is scanned, nothing more.
    if (controlBytes(head) > Math.max(NUL_TEXT_FEW, head.length * NUL_TEXT_CONTROL) && !nulSeparated(head)) return { kind: 'binary', reason: 'NUL byte' };
  }
  // Control bytes are counted in the first KiB only: a byte loop in JavaScript over every file's head
  // costs more than the rest of decoding, and binaries without a NUL in 8 KiB are rare.
  const first = head.subarray(0, CONTROL_SNIFF);
  // Counted only when there is one (a regex over the bytes as latin1 characters finds it faster than the loop).
  const control = CONTROL_BYTE.test(first.toString('latin1')) ? controlBytes(first) : 0;
  if (first.length > 0 && control / first.length > 0.1) return { kind: 'binary', reason: 'control bytes' };
  return utf8Text(b, 'utf8');
}

/**
 * A UTF-8 text, with its bytes when each is one of its characters: a string as long as its bytes
 * holds no multi-byte sequence (each byte is ASCII, or an invalid one read as U+FFFD).
 */
function utf8Text(b: Buffer, encoding: TextEncodingName): Decoded {
  const text = utf8(b);
  return { kind: 'text', text, encoding, bytes: text.length === b.length ? b : undefined };
}

/** How many of the ascending `sorted` are below `x` (where `x` would go): a binary search. */
export function countBelow(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether a text has a `\r` not followed by `\n`: a line end for editors, not for git. */
export function hasLoneCr(text: string): boolean {
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) if (text.charCodeAt(i + 1) !== 10) return true;
  return false;
}

/** Offsets → 1-based line and column (UTF-16 code units, as SARIF and editors count). `\r\n`, `\n`, `\r` end lines. */
export class LineIndex {
  private starts: number[] | null = null;
  constructor(private readonly text: string) {}

  private build(): number[] {
    const starts = [0];
    const t = this.text;
    // Without a CR (most texts) lines end at each LF.
    if (t.indexOf('\r') === -1) return starts.concat(this.lineFeeds().map((i) => i + 1));
    const re = /\r\n?|\n/g;
    for (let m = re.exec(t); m; m = re.exec(t)) starts.push(m.index + m[0].length);
    return starts;
  }

  position(offset: number): { line: number; column: number } {
    const starts = (this.starts ??= this.build());
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  /** Offsets of every `\n`, found natively (built on first use). */
  private lfs: number[] | null = null;

  private lineFeeds(): number[] {
    if (this.lfs === null) {
      this.lfs = [];
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) this.lfs.push(i);
    }
    return this.lfs;
  }

  /** The 1-based line of `offset` as git counts lines (only `\n` ends one). */
  gitLine(offset: number): number {
    // How many line feeds come before `offset`.
    return countBelow(this.lineFeeds(), offset) + 1;
  }

  /** The full text of a 1-based line, without its line end. */
  lineText(line: number): string {
    const starts = (this.starts ??= this.build());
    const s = starts[line - 1];
    if (s === undefined) return '';
    const e = starts[line] ?? this.text.length;
    return this.text.slice(s, e).replace(/\r?\n$|\r$/, '');
  }
}
