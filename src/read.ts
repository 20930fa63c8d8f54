/**
 * The reading part of the pipeline: item content (bytes, text, or a stream of bytes too large to
 * hold) → decoded text → matches, with memory bounded by the chunk size.
 *
 * Content larger than one chunk is decoded as a stream and scanned in overlapping windows: window i
 * "owns" the text [i·chunk, (i+1)·chunk) and reaches `before` characters back and `after` characters
 * forward, so every match that starts in the owned part, its context windows and any encoded run
 * (base64, URL, escapes) holding it are wholly inside the window. A match is kept only by the window
 * that owns its start: found exactly once, with lines and columns counted over the whole text.
 * The overlap is derived from the rules (longest possible match, context reach, lookarounds), not
 * guessed.
 */
import { archiveKind, endsAsZip, MAX_ARCHIVE_BYTES, type ArchiveKind } from './archive/kind.js';
import { setV8Flags, v8, vm } from './builtin.js';
import { detect } from './core/detect.js';
import { GitError } from './errors.js';
import { decodeBytes, decodeInParts, LineIndex, type TextEncodingName } from './core/text.js';
import type { Match, RuleSet } from './core/types.js';
import { MAX_ENCODED_RUN } from './core/views.js';
import type { ByteStream, SourceItem } from './sources/types.js';

/** Default window size in characters (and read size in bytes). */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
/** Bound used for a custom rule whose pattern can match without limit (e.g. `.*`). */
export const UNBOUNDED_MATCH_FALLBACK = 64 * 1024;
/** The most original characters one decoded view character can stand for (`\uXXXX`). */
const MAX_EXPANSION = 6;
/** Bytes looked at to tell binary from text and UTF-16 from UTF-8 (as decodeBytes does). */
const SNIFF = 8192;

export interface ChunkPlan {
  /** Characters owned by each window (and bytes read at a time). */
  chunkSize: number;
  /** Characters each window reaches back before the part it owns. */
  before: number;
  /** Characters each window reaches forward past the part it owns. */
  after: number;
}

/**
 * The chunk plan for a rule set: windows reach far enough that a match starting in the owned part,
 * with its context windows, lookarounds and the encoded run holding it, lies wholly in the window.
 */
export function chunkPlanFor(ruleset: RuleSet, opts: { chunkSize?: number; maxEncodedRun?: number } = {}): ChunkPlan {
  let match = 0;
  let look = 0;
  let ctxBefore = 0;
  let ctxAfter = 0;
  for (const rule of ruleset.rules) {
    for (const r of rule.reach) {
      match = Math.max(match, r.match);
      look = Math.max(look, r.look);
    }
    for (const c of [...rule.require, ...rule.forbid]) {
      ctxBefore = Math.max(ctxBefore, c.before);
      ctxAfter = Math.max(ctxAfter, c.after);
    }
  }
  if (!Number.isFinite(match)) match = UNBOUNDED_MATCH_FALLBACK;
  if (!Number.isFinite(look)) look = UNBOUNDED_MATCH_FALLBACK;
  const run = opts.maxEncodedRun ?? MAX_ENCODED_RUN;
  // +2: the character a base64 run's lookbehind looks at, and a CR kept with its LF.
  return {
    chunkSize: Math.max(1, opts.chunkSize ?? DEFAULT_CHUNK_SIZE),
    before: run + MAX_EXPANSION * (ctxBefore + look) + 2,
    after: run + MAX_EXPANSION * (match + ctxAfter + look) + 2,
  };
}

// --- bytes → text, as a stream ------------------------------------------------------------------

export type StreamDecoded =
  | { kind: 'binary'; reason: string }
  | { kind: 'text'; encoding: TextEncodingName; texts: AsyncGenerator<string> };

/** A decoder that gives, piece by piece, exactly the text decodeBytes gives for the whole. */
function pieceDecoder(encoding: TextEncodingName): (bytes: Uint8Array | null) => string {
  if (encoding === 'utf16le' || encoding === 'utf16be') {
    let carry: Buffer = Buffer.alloc(0);
    return (bytes) => {
      if (bytes === null) return ''; // a trailing odd byte is dropped, as Buffer#toString does
      const b = carry.length ? Buffer.concat([carry, bytes]) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const even = b.length & ~1;
      carry = Buffer.from(b.subarray(even));
      const body = b.subarray(0, even);
      if (encoding === 'utf16le') return body.toString('utf16le');
      const swapped = Buffer.allocUnsafe(even);
      for (let i = 0; i < even; i += 2) {
        swapped[i] = body[i + 1]!;
        swapped[i + 1] = body[i]!;
      }
      return swapped.toString('utf16le');
    };
  }
  const d = new TextDecoder(encoding === 'latin1' ? 'latin1' : 'utf-8', { ignoreBOM: true });
  return (bytes) => (bytes === null ? d.decode() : decodeInParts(d, bytes));
}

const BOM_LENGTH: Record<TextEncodingName, (head: Uint8Array) => number> = {
  utf8: () => 0,
  'utf8-bom': () => 3,
  latin1: () => 0,
  // A UTF-16 file without a BOM is recognised by its NUL bytes; skip the BOM only when present.
  utf16le: (h) => (h[0] === 0xff && h[1] === 0xfe ? 2 : 0),
  utf16be: (h) => (h[0] === 0xfe && h[1] === 0xff ? 2 : 0),
};

/**
 * Decode a byte stream: sniff its first 8 KiB exactly as decodeBytes does (binary? UTF-16? BOM?),
 * then yield its text piece by piece. A binary stream is closed without reading further.
 */
export async function decodeStream(chunks: AsyncIterable<Uint8Array>): Promise<StreamDecoded> {
  const it = chunks[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLen = 0;
  let done = false;
  while (headLen < SNIFF) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head.push(r.value);
    headLen += r.value.byteLength;
  }
  const first = Buffer.concat(head);
  const sniffed = decodeBytes(first.subarray(0, SNIFF));
  if (sniffed.kind === 'binary') {
    await it.return?.();
    return sniffed;
  }
  const encoding = sniffed.encoding;
  const decode = pieceDecoder(encoding);
  async function* texts(): AsyncGenerator<string> {
    try {
      yield decode(first.subarray(BOM_LENGTH[encoding](first)));
      while (!done) {
        const r = await it.next();
        if (r.done) break;
        yield decode(r.value);
      }
      yield decode(null);
    } finally {
      if (!done) await it.return?.();
    }
  }
  return { kind: 'text', encoding, texts: texts() };
}

// --- windows over a text stream -----------------------------------------------------------------

/**
 * Heap in use past which a full collection runs after a window. Each window of a big file leaves
 * megabytes of garbage (its text, decoded pieces, views), and V8 lets the heap grow ~120 MB past what
 * is live before collecting (a 200 MB file peaked at 250–290 MB RSS; with this, ~175 MB, in the same
 * time). After a collection the bar is at least half that above what stayed live, so a run that
 * keeps much (many findings) does not collect after every window.
 */
const HEAP_SOFT_LIMIT = 64 << 20;
let heapBar = HEAP_SOFT_LIMIT;
let fullGc: (() => void) | null | undefined;

/** After a window: a full collection when the heap holds more than `heapBar` (~5 ms with a small live heap). */
function collectIfBloated(): void {
  if (fullGc === null || v8().getHeapStatistics().used_heap_size < heapBar) return;
  if (fullGc === undefined) {
    try {
      // V8's own gc(), exposed to a new context of this thread (the flag is read when a context is made).
      setV8Flags('--expose-gc');
      fullGc = vm().runInNewContext('gc') as () => void;
    } catch {
      fullGc = null;
      return;
    }
  }
  fullGc();
  heapBar = Math.max(HEAP_SOFT_LIMIT, v8().getHeapStatistics().used_heap_size + HEAP_SOFT_LIMIT / 2);
}

const BREAK = /\r\n?|\n/g;

/** The position just after `text.slice(from, to)`, starting from `pos` (never splits a CRLF). */
function advance(pos: Pos, text: string, from: number, to: number): Pos {
  let line = pos.line;
  let gitLine = pos.gitLine;
  let lineStart = from - (pos.column - 1);
  BREAK.lastIndex = from;
  for (let m = BREAK.exec(text); m && m.index < to; m = BREAK.exec(text)) {
    line++;
    if (m[0] !== '\r') gitLine++;
    lineStart = m.index + m[0].length;
  }
  return { line, column: to - lineStart + 1, gitLine };
}

/** A place in a text: its line and column, and its line as git counts them (see Match.gitLine). */
interface Pos {
  line: number;
  column: number;
  gitLine: number;
}

/** Never cut between a CR and its LF: the cut moves one character back instead. */
function safeCut(text: string, at: number): number {
  return at > 0 && text.charCodeAt(at - 1) === 13 && text.charCodeAt(at) === 10 ? at - 1 : at;
}

export interface DetectedText {
  matches: Match[];
  /** The text of a 1-based line near a match (lines far from every match return ''). */
  lineText(line: number): string;
  /** True when the signal stopped the read before the end. */
  aborted: boolean;
  /** What was not read of it, for a warning (an archive's members not opened). */
  note?: string;
}

export interface ReadOptions {
  decode?: boolean;
  plan: ChunkPlan;
  signal?: AbortSignal;
  /** Called after each window is scanned (memory sampling, progress). */
  onWindow?: () => void;
  /** Open archives and compressed files (src/archive/); default true. Their members are not opened again. */
  archives?: boolean;
}

/**
 * Scan a text that arrives in pieces, in overlapping windows (see the module comment). The pieces
 * are kept as they came and joined once per window, so each window costs one string of its size and
 * nothing older than the next window's start stays alive.
 */
export async function detectTextStream(
  texts: AsyncIterable<string> | Iterable<string>,
  path: string,
  ruleset: RuleSet,
  opts: ReadOptions,
): Promise<DetectedText> {
  const { chunkSize, before, after } = opts.plan;
  const pieces: string[] = [];
  let piecesStart = 0; // absolute offset of pieces[0]
  let total = 0; // absolute offset of the end of the text received so far
  let ownStart = 0;
  // Where the next window starts, and its line and column (never between a CR and its LF).
  let next = { offset: 0, line: 1, column: 1, gitLine: 1 };
  const matches: Match[] = [];
  const lines = new Map<number, string>();

  const sliceAbs = (from: number, to: number): string => {
    const parts: string[] = [];
    let at = piecesStart;
    for (const p of pieces) {
      const end = at + p.length;
      if (end > from && at < to) parts.push(p.slice(Math.max(0, from - at), Math.min(p.length, to - at)));
      at = end;
      if (at >= to) break;
    }
    return parts.length === 1 ? parts[0]! : parts.join('');
  };

  const scanWindows = (final: boolean): void => {
    for (;;) {
      if (ownStart >= total) return;
      const ownEnd = ownStart + chunkSize;
      if (!final && total < ownEnd + after) return;
      const ws = next.offset;
      const wpos = next;
      const wtext = sliceAbs(ws, Math.min(total, ownEnd + after));
      // A part of a file is not read as records: it may not start with a table's header, nor parse as JSON.
      const found = detect({ text: wtext, path }, ruleset, { decode: opts.decode, records: false });
      let index: LineIndex | undefined;
      for (const m of found) {
        const abs = ws + m.start;
        if (abs < ownStart || abs >= ownEnd) continue;
        const { gitLine: relGit, gitEndLine: relGitEnd, ...rest } = m;
        const absLine = wpos.line + m.line - 1;
        const absEnd = wpos.line + m.endLine - 1;
        const gitLine = wpos.gitLine + (relGit ?? m.line) - 1;
        const gitEndLine = wpos.gitLine + (relGitEnd ?? m.endLine) - 1;
        matches.push({
          ...rest,
          ...(gitLine !== absLine || gitEndLine !== absEnd ? { gitLine, gitEndLine } : {}),
          secret: detach(m.secret),
          start: abs,
          end: ws + m.end,
          line: absLine,
          column: m.line === 1 ? wpos.column + m.column - 1 : m.column,
          endLine: absEnd,
          endColumn: m.endLine === 1 ? wpos.column + m.endColumn - 1 : m.endColumn,
        });
        // Keep the match's line and its neighbours for inline-allow comments (as far as the window reaches).
        index ??= new LineIndex(wtext);
        for (let rel = m.line - 1; rel <= m.line + 1; rel++) {
          const line = wpos.line + rel - 1;
          if (rel >= 1 && !lines.has(line)) lines.set(line, detach(index.lineText(rel).slice(0, 1 << 16)));
        }
      }
      opts.onWindow?.();
      collectIfBloated();
      ownStart = ownEnd;
      if (ownStart >= total) return;
      const rel = safeCut(wtext, Math.min(wtext.length, Math.max(0, ownStart - before - ws)));
      next = { offset: ws + rel, ...advance(wpos, wtext, 0, rel) };
      // Drop the pieces no later window reaches.
      while (pieces.length && piecesStart + pieces[0]!.length <= next.offset) piecesStart += pieces.shift()!.length;
    }
  };

  for await (const t of texts) {
    if (opts.signal?.aborted) return { matches, lineText: (n) => lines.get(n) ?? '', aborted: true };
    if (t.length === 0) continue;
    pieces.push(t);
    total += t.length;
    scanWindows(false);
  }
  scanWindows(true);
  return { matches, lineText: (n) => lines.get(n) ?? '', aborted: false };
}

// --- one item -----------------------------------------------------------------------------------

export type ReadResult =
  | { kind: 'skip'; reason: 'binary' | 'unreadable' | 'too-large'; detail: string }
  | ({ kind: 'text'; bytes: number } & DetectedText);

function isByteStream(c: SourceItem['content']): c is ByteStream {
  return typeof c === 'object' && !(c instanceof Uint8Array);
}

async function* textPieces(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function* bytePieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size);
}

/**
 * `readItem` for content that fits in one window (a string, or bytes): done at once, no promise (most
 * files: the per-file cost of the async path shows on 10k small files). Undefined for anything else.
 */
export function readWhole(c: SourceItem['content'], path: string, ruleset: RuleSet, opts: ReadOptions): ReadResult | undefined {
  const size = opts.plan.chunkSize;
  if (typeof c === 'string') {
    if (c.length > size) return undefined;
    return { kind: 'text', bytes: Buffer.byteLength(c), ...wholeText(c, path, ruleset, opts) };
  }
  if (isByteStream(c) || c.byteLength > size) return undefined;
  // An archive is opened by readItem (a member may need windows, which are async).
  if (opts.archives !== false && archiveKind(c)) return undefined;
  const d = decodeBytes(c);
  if (d.kind === 'binary') {
    // A ZIP behind something else (an executable jar's launch script) is opened by readItem too.
    if (opts.archives !== false && endsAsZip(c)) return undefined;
    return { kind: 'skip', reason: 'binary', detail: d.reason };
  }
  return { kind: 'text', bytes: c.byteLength, ...wholeText(d.text, path, ruleset, opts, d.bytes) };
}

/**
 * Decode and scan one item. Content within one chunk is decoded and scanned whole; larger content
 * (and every ByteStream) is decoded as a stream and scanned in windows.
 */
export async function readItem(item: SourceItem, ruleset: RuleSet, opts: ReadOptions): Promise<ReadResult> {
  const whole = readWhole(item.content, item.path, ruleset, opts);
  if (whole) return whole;
  const c = item.content;
  const size = opts.plan.chunkSize;
  if (typeof c === 'string') {
    return { kind: 'text', bytes: Buffer.byteLength(c), ...(await detectTextStream(textPieces(c, size), item.path, ruleset, opts)) };
  }
  if (opts.archives !== false && !isByteStream(c)) {
    const kind = archiveKind(c) ?? (endsAsZip(c) && decodeBytes(c.subarray(0, SNIFF)).kind === 'binary' ? 'zip' : null);
    if (kind && c.byteLength > MAX_ARCHIVE_BYTES) return { kind: 'skip', reason: 'too-large', detail: `skipped: a ${kind} archive over ${MAX_ARCHIVE_BYTES >> 20} MiB is not opened` };
    if (kind) return readArchive(c, kind, item.path, ruleset, opts);
  }
  let bytes = 0;
  const source = isByteStream(c) ? c.chunks(size, opts.signal) : bytePieces(c, size);
  async function* counted(): AsyncGenerator<Uint8Array> {
    try {
      for await (const b of source) {
        bytes += b.byteLength;
        yield b;
      }
    } catch (err) {
      // A read that failed (a file that vanished or was replaced, EIO) is the item's: a skip. git
      // failing to give a blob fails the run (closed), as any other git failure does.
      throw err instanceof GitError ? err : new ReadError(err);
    }
  }
  try {
    let chunks: AsyncIterable<Uint8Array> = counted();
    if (opts.archives !== false && isByteStream(c)) {
      const peeked = await peekArchive(chunks, c.size);
      if (peeked.kind === 'archive') return await readArchive(peeked.bytes, peeked.archive, item.path, ruleset, opts);
      if (peeked.kind === 'too-large') return { kind: 'skip', reason: 'too-large', detail: `skipped: a ${peeked.archive} archive over ${MAX_ARCHIVE_BYTES >> 20} MiB is not opened` };
      chunks = peeked.chunks;
    }
    const d = await decodeStream(chunks);
    if (d.kind === 'binary') return { kind: 'skip', reason: 'binary', detail: d.reason };
    const r = await detectTextStream(d.texts, item.path, ruleset, opts);
    if (r.aborted) await d.texts.return(undefined);
    return { kind: 'text', bytes, ...r };
  } catch (err) {
    // A read error part-way (the file vanished, was replaced, EIO): not scanned, and said so.
    // Anything else (a bug) is not a skip: it propagates and the run fails (exit 2).
    if (!(err instanceof ReadError)) throw err;
    const e = err.cause as NodeJS.ErrnoException;
    return { kind: 'skip', reason: 'unreadable', detail: `cannot read: ${e.code ?? e.message}` };
  }
}

type Peeked =
  | { kind: 'archive'; archive: ArchiveKind; bytes: Buffer }
  | { kind: 'too-large'; archive: ArchiveKind }
  | { kind: 'other'; chunks: AsyncIterable<Uint8Array> };

/**
 * A stream whose first chunk starts an archive is read whole (up to MAX_ARCHIVE_BYTES) to be opened;
 * any other goes on as it came, its first chunk included (read once).
 */
async function peekArchive(chunks: AsyncIterable<Uint8Array>, size: number): Promise<Peeked> {
  const it = chunks[Symbol.asyncIterator]();
  const first = await it.next();
  const kind = first.done ? null : archiveKind(first.value);
  if (first.done || !kind) {
    return {
      kind: 'other',
      chunks: (async function* () {
        if (!first.done) yield first.value;
        for (;;) {
          const r = await it.next();
          if (r.done) return;
          yield r.value;
        }
      })(),
    };
  }
  // A file that says it is bigger is not read further (what it says is rechecked below as it is read).
  if (size > MAX_ARCHIVE_BYTES) {
    await it.return?.();
    return { kind: 'too-large', archive: kind };
  }
  // Into one buffer of the size the source gives (a file's), grown if more comes: pieces joined at
  // the end held the archive twice (a 59 MB wheel: 118 MB).
  let bytes = Buffer.allocUnsafe(Math.min(MAX_ARCHIVE_BYTES, Math.max(size, first.value.byteLength)));
  let total = 0;
  for (let r: IteratorResult<Uint8Array> = first; !r.done; r = await it.next()) {
    if (total + r.value.byteLength > MAX_ARCHIVE_BYTES) {
      await it.return?.();
      return { kind: 'too-large', archive: kind };
    }
    if (total + r.value.byteLength > bytes.length) {
      const grown = Buffer.allocUnsafe(Math.min(MAX_ARCHIVE_BYTES, Math.max(total + r.value.byteLength, bytes.length * 2)));
      bytes.copy(grown, 0, 0, total);
      bytes = grown;
    }
    bytes.set(r.value, total);
    total += r.value.byteLength;
  }
  return { kind: 'archive', archive: kind, bytes: bytes.subarray(0, total) };
}

/**
 * An archive's members, each read as a file is (decoded, a binary one skipped, a big one in
 * windows), their matches named by the member they are in (Match.entry). Inline allow comments are
 * not read inside an archive. One that cannot be opened is skipped as a binary file is, saying why.
 */
async function readArchive(bytes: Uint8Array, kind: ArchiveKind, path: string, ruleset: RuleSet, opts: ReadOptions): Promise<ReadResult> {
  // Loaded when an archive is first met (the hook's start-up does without it).
  const { openArchive, ArchiveError, unopenedNote } = await import('./archive/open.js');
  let opened;
  try {
    opened = openArchive(bytes, kind, path);
  } catch (err) {
    if (!(err instanceof ArchiveError)) throw err;
    return err.tooLarge
      ? { kind: 'skip', reason: 'too-large', detail: `skipped: a ${kind} archive of ${err.message}` }
      : { kind: 'skip', reason: 'unreadable', detail: `cannot read this ${kind} archive: ${err.message}` };
  }
  const inner: ReadOptions = { ...opts, archives: false };
  const matches: Match[] = [];
  // A view of a part (a document's table, read as a table) finds again what the part found.
  const found = new Set<string>();
  let aborted = false;
  // One member at a time: each is let go once read (the members of a big wheel are not all held at once).
  for (const m of opened.members) {
    if (opts.signal?.aborted) {
      aborted = true;
      break;
    }
    const p = m.as ?? m.name;
    const r = readWhole(m.bytes, p, ruleset, inner) ?? (await readItem({ kind: 'item', path: p, content: m.bytes }, ruleset, inner));
    if (r.kind === 'skip') continue; // an image in a document, a compiled class
    const part = m.view ? m.name.slice(0, m.name.lastIndexOf('#')) : m.name;
    for (const x of r.matches) {
      const key = `${part}\0${x.ruleId}\0${x.secret}`;
      if (m.view ? found.has(key) : (found.add(key), false)) continue;
      matches.push({ ...x, entry: m.name });
    }
    if (r.aborted) {
      aborted = true;
      break;
    }
  }
  // What was not opened is known once the members have been read.
  const note = unopenedNote(opened.unopened);
  return { kind: 'text', bytes: bytes.byteLength, matches, lineText: () => '', aborted, ...(note ? { note } : {}) };
}

class ReadError extends Error {
  constructor(cause: unknown) {
    super('read failed', { cause });
  }
}

/**
 * A copy of `s` that does not share memory with the text it was cut from. V8 keeps a substring as a
 * view of its parent, so one kept secret would otherwise keep a whole window (or file) alive.
 */
function detach(s: string): string {
  return Buffer.from(s, 'utf16le').toString('utf16le');
}

function wholeText(text: string, path: string, ruleset: RuleSet, opts: ReadOptions, bytes?: Uint8Array): DetectedText {
  const matches = detect({ text, path, bytes }, ruleset, { decode: opts.decode }).map((m) => ({ ...m, secret: detach(m.secret) }));
  let lines: LineIndex | undefined;
  opts.onWindow?.();
  return { matches, lineText: (n) => (lines ??= new LineIndex(text)).lineText(n), aborted: false };
}

// --- stopping promptly ----------------------------------------------------------------------------

/** How long a source's failure waits for a Ctrl-C that may have caused it (see untilAborted). */
const ABORT_GRACE_MS = 150;

/**
 * Iterate `events` until `signal` aborts — at once, even while the source is waiting (standard
 * input, a slow disk). The source is then asked to stop (its `finally` blocks run) without waiting.
 */
export async function* untilAborted<T>(events: AsyncIterable<T> | Iterable<T>, signal?: AbortSignal): AsyncGenerator<T> {
  const it = Symbol.asyncIterator in events ? events[Symbol.asyncIterator]() : (events as Iterable<T>)[Symbol.iterator]();
  if (!signal) {
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  let onAbort: () => void = () => {};
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  let exhausted = false;
  try {
    for (;;) {
      if (signal.aborted) return;
      let r: IteratorResult<T> | 'aborted';
      try {
        r = await Promise.race([it.next(), aborted]);
      } catch (err) {
        // Ctrl-C reaches the source's git processes too, and their failure may be seen before the
        // signal is: a failure with Ctrl-C on its heels ends the run as interrupted, not as an error.
        if (signal.aborted) return;
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ABORT_GRACE_MS)));
        const first = await Promise.race([aborted, grace]);
        clearTimeout(timer);
        if (first === 'aborted') return;
        throw err;
      }
      if (r === 'aborted') return;
      if (r.done) {
        exhausted = true;
        return;
      }
      yield r.value;
    }
  } finally {
    // Stopped early: tell the source to clean up, but never wait on it (it may be blocked reading).
    if (!exhausted) Promise.resolve(it.return?.()).catch(() => {});
    signal.removeEventListener('abort', onAbort);
  }
}
