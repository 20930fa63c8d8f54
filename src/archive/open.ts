/**
 * Archives and compressed files opened for scanning: ZIP and the formats built on it (.docx, .xlsx,
 * .pptx, OpenDocument, .jar, .apk, .whl, .nupkg …), gzip and tar, nested in one another. Pure: bytes
 * in, the members' bytes out (no I/O). What a member holds is then read as any file is.
 *
 * Bounded whatever the archive claims: at most MAX_INFLATED bytes come out of one archive, nested
 * ones included (a member over what is left is not opened; fflate stops a ZIP member at the size its
 * header declares, zlib a gzip stream at the limit), and nesting goes MAX_DEPTH levels deep.
 */
import { gunzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import { archiveKind, field, isUstar, octal, tarChecksumOk, type ArchiveKind } from './kind.js';

export { archiveKind, MAX_ARCHIVE_BYTES, type ArchiveKind } from './kind.js';

/** The most bytes all members of one archive (nested ones included) add up to. */
export const MAX_INFLATED = 64 << 20;
/** How deep archives nest (a .jar in a .war in a .zip is 3). */
export const MAX_DEPTH = 4;

export class ArchiveError extends Error {}

export interface Member {
  /** Its path in the archive; a nested archive's members as `inner.jar!path`. */
  name: string;
  bytes: Uint8Array;
  /** The name detection sees, when not `name`'s (an .xlsx sheet read as a table: `sheet1.tsv`). */
  as?: string;
}

export interface Opened {
  members: Member[];
  /** Members not opened: over the size left, encrypted, compressed in a way not read, or a nested archive that could not be opened. */
  unopened: number;
}

/**
 * The members of an archive, nested archives opened in place (their members named `inner!path`), a
 * gzip layer read through (`backup.tar.gz` gives the tar's members, `app.env.gz` one `app.env`).
 * Throws ArchiveError when the archive itself cannot be read.
 */
export function openArchive(bytes: Uint8Array, kind: ArchiveKind, name: string, maxInflated = MAX_INFLATED): Opened {
  const out: Opened = { members: [], unopened: 0 };
  expand(bytes, kind, name, '', { left: maxInflated, max: maxInflated }, 0, out, true);
  return out;
}

interface Budget {
  left: number;
  /** The whole (for messages). */
  max: number;
}

function expand(bytes: Uint8Array, kind: ArchiveKind, name: string, prefix: string, budget: Budget, depth: number, out: Opened, outer: boolean): void {
  let members: Member[];
  try {
    members = kind === 'zip' ? zipMembers(bytes, budget, out) : kind === 'gzip' ? gzipMembers(bytes, name, budget) : tarMembers(bytes);
  } catch (err) {
    if (outer) throw err instanceof ArchiveError ? err : new ArchiveError(err instanceof Error ? err.message : String(err));
    out.unopened++;
    return;
  }
  if (kind === 'zip') members = officeText(members);
  for (const m of members) {
    const inner = archiveKind(m.bytes);
    if (inner && depth + 1 < MAX_DEPTH) {
      // A gzip layer is not a folder: its one member stands for it (a .tar.gz's tar is the archive).
      const sub = kind === 'gzip' ? prefix : `${prefix}${m.name}!`;
      expand(m.bytes, inner, m.name, sub, budget, depth + 1, out, false);
      continue;
    }
    if (inner) {
      out.unopened++;
      continue;
    }
    out.members.push({ ...m, name: `${prefix}${m.name}` });
  }
}

// --- ZIP ----------------------------------------------------------------------------------------

function zipMembers(bytes: Uint8Array, budget: Budget, out: Opened): Member[] {
  const files = unzipSync(bytes, {
    filter(f) {
      if (f.name.endsWith('/')) return false;
      // 0: stored, 8: deflate (what fflate reads); others (deflate64, bzip2, LZMA, zstd) are not opened.
      if ((f.compression !== 0 && f.compression !== 8) || f.originalSize > budget.left) {
        out.unopened++;
        return false;
      }
      budget.left -= f.originalSize;
      return true;
    },
  });
  return Object.entries(files).map(([name, data]) => ({ name, bytes: data }));
}

// --- gzip ---------------------------------------------------------------------------------------

function gzipMembers(bytes: Uint8Array, name: string, budget: Budget): Member[] {
  let data: Buffer;
  try {
    data = gunzipSync(bytes, { maxOutputLength: Math.max(1, budget.left) });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw new ArchiveError(`more than ${budget.max >> 20} MiB once decompressed`);
    throw new ArchiveError(e.message);
  }
  budget.left -= data.length;
  const base = name.replace(/^.*[\\/!]/, '');
  const inner = /\.tgz$/i.test(base) ? base.replace(/\.tgz$/i, '.tar') : base.replace(/\.g?z(?:ip)?$/i, '') || base;
  return [{ name: inner, bytes: data }];
}

// --- tar ----------------------------------------------------------------------------------------

/** A pax extended header's `path`, if it sets one (`<len> path=<value>\n` records). */
function paxPath(data: Uint8Array): string | undefined {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  let path: string | undefined;
  for (let i = 0; i < text.length; ) {
    const space = text.indexOf(' ', i);
    const len = Number.parseInt(text.slice(i, space), 10);
    if (space === -1 || !(len > 0)) break;
    const rec = text.slice(space + 1, i + len - 1);
    if (rec.startsWith('path=')) path = rec.slice(5);
    i += len;
  }
  return path;
}

function tarMembers(bytes: Uint8Array): Member[] {
  const members: Member[] = [];
  let longName: string | undefined;
  let pax: string | undefined;
  for (let off = 0; off + 512 <= bytes.length; ) {
    const h = bytes.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    if (!tarChecksumOk(h)) throw new ArchiveError(`no tar header at byte ${off}`);
    const size = octal(h, 124, 12);
    if (!Number.isFinite(size) || size < 0) throw new ArchiveError(`a tar header at byte ${off} has no size`);
    const type = h[156]!;
    const data = bytes.subarray(off + 512, Math.min(bytes.length, off + 512 + size));
    if (type === 0x4c /* L: GNU long name */) longName = field(data, 0, data.length);
    else if (type === 0x78 /* x: pax header */) pax = paxPath(data) ?? pax;
    else if (type !== 0x67 /* g: global pax header */) {
      if (type === 0 || type === 0x30 || type === 0x37 /* regular, contiguous */) {
        // POSIX ustar (`ustar\0`) splits a long name into a prefix; GNU tar (`ustar `) has other fields there.
        const prefix = isUstar(h) && h[262] === 0 ? field(h, 345, 155) : '';
        const name = pax ?? longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
        members.push({ name: name.replace(/^\.\//, ''), bytes: data });
      }
      longName = undefined;
      pax = undefined;
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return members;
}

// --- office documents -----------------------------------------------------------------------------

/** The parts of a Word, PowerPoint or OpenDocument file that hold its text, as XML. */
const TEXT_PART = /^(?:word\/(?:document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml|ppt\/(?:slides|notesSlides)\/[^/]+\.xml|content\.xml)$/;
const SHEET = /^xl\/worksheets\/[^/]+\.xml$/;
const SHARED_STRINGS = 'xl/sharedStrings.xml';

const XML_ENTITY = /&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9a-f]{1,6}));/gi;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(XML_ENTITY, (m, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (named) return NAMED[named.toLowerCase()]!;
    const cp = dec ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

/**
 * A document part's text as its reader sees it: one line per paragraph, a tab for a tab. A word
 * processor splits a paragraph's text into runs (a spelling mark, an edit) wherever it likes, so
 * the XML seldom holds a token and its name side by side.
 */
function documentText(xml: string): string {
  const text = xml
    // Line ends in the XML are not the document's (Word writes one after the declaration).
    .replace(/>\s*[\r\n]\s*</g, '><')
    .replace(/[\r\n]+/g, ' ')
    .replace(/<\/(?:w:p|a:p|text:p|text:h)>|<(?:w:br|w:cr|a:br|text:line-break)\b[^>]*>/g, '\n')
    .replace(/<(?:w:tab|text:tab)\b[^>]*\/>/g, '\t')
    .replace(/<[^>]*>/g, '');
  return unescapeXml(text);
}

/** Each `<t>` text of one shared string (rich text has several runs), joined. */
function sharedStrings(xml: string): string[] {
  const out: string[] = [];
  for (const si of xml.matchAll(/<si>([\s\S]*?)<\/si>/g)) {
    let s = '';
    for (const t of si[1]!.replace(/<rPh\b[\s\S]*?<\/rPh>/g, '').matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)) s += t[1];
    out.push(unescapeXml(s));
  }
  return out;
}

function columnIndex(ref: string): number {
  let n = 0;
  for (const ch of ref.toUpperCase()) {
    const c = ch.charCodeAt(0);
    if (c < 65 || c > 90) break;
    n = n * 26 + (c - 64);
  }
  return n - 1;
}

/** A worksheet as a tab-separated table (a row a line, each cell at its column), shared strings put in. */
function sheetTable(xml: string, strings: string[]): string {
  const lines: string[] = [];
  for (const row of xml.matchAll(/<row\b[^>]*>([\s\S]*?)<\/row>/g)) {
    const cells: string[] = [];
    for (const c of row[1]!.matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = c[1]!;
      const body = c[2] ?? '';
      const ref = /\br="([A-Z]+)\d*"/i.exec(attrs)?.[1];
      const type = /\bt="(\w+)"/.exec(attrs)?.[1];
      let value: string;
      if (type === 'inlineStr') value = [...body.matchAll(/<t(?:\s[^>]*)?>([\s\S]*?)<\/t>/g)].map((t) => t[1]).join('');
      else value = /<v>([\s\S]*?)<\/v>/.exec(body)?.[1] ?? '';
      value = type === 's' ? (strings[Number(value)] ?? '') : unescapeXml(value);
      const at = ref ? columnIndex(ref) : cells.length;
      while (cells.length < at) cells.push('');
      cells.push(value.replace(/[\t\r\n]+/g, ' '));
    }
    lines.push(cells.join('\t'));
  }
  return lines.join('\n');
}

/**
 * A ZIP's members with an office document's text parts read as text: a Word / PowerPoint /
 * OpenDocument part one line per paragraph, an Excel sheet a table (read by its columns' names as a
 * .tsv file is; its shared strings are read through the sheets, not on their own).
 */
function officeText(members: Member[]): Member[] {
  const shared = members.find((m) => m.name === SHARED_STRINGS);
  const isSheetBook = members.some((m) => SHEET.test(m.name));
  let strings: string[] | undefined;
  const out: Member[] = [];
  for (const m of members) {
    if (TEXT_PART.test(m.name)) {
      out.push({ name: m.name, bytes: Buffer.from(documentText(Buffer.from(m.bytes).toString('utf8')), 'utf8') });
    } else if (SHEET.test(m.name)) {
      strings ??= shared ? sharedStrings(Buffer.from(shared.bytes).toString('utf8')) : [];
      const base = m.name.replace(/^.*\//, '').replace(/\.xml$/, '');
      out.push({ name: m.name, as: `${base}.tsv`, bytes: Buffer.from(sheetTable(Buffer.from(m.bytes).toString('utf8'), strings), 'utf8') });
    } else if (!(isSheetBook && m.name === SHARED_STRINGS)) {
      out.push(m);
    }
  }
  return out;
}
