/**
 * Archives and compressed files opened for scanning: ZIP and the formats built on it (.docx, .xlsx,
 * .pptx, OpenDocument, .jar, .apk, .whl, .nupkg …), gzip and tar, nested in one another. Pure: bytes
 * in, the members' bytes out (no I/O). What a member holds is then read as any file is.
 *
 * Bounded whatever the archive claims: at most MAX_INFLATED bytes come out of one archive, nested
 * ones included (zlib stops a member at what is left: the work is bounded by the limit, not by the
 * sizes a member declares), and nesting goes MAX_DEPTH levels deep.
 */
import { gunzipSync } from 'node:zlib';
import { archiveKind, field, isUstar, octal, tarChecksumOk, type ArchiveKind, type Member } from './kind.js';
import { decodeBytes } from '../core/text.js';
import { isOfficePart, officeText } from './office.js';
import { entryContent, entryData, entryHead, ZipError, zipEntries, type ZipEntry } from './zip.js';

export { archiveKind, MAX_ARCHIVE_BYTES, type ArchiveKind, type Member } from './kind.js';

/** The most bytes all members of one archive (nested ones included) add up to. */
export const MAX_INFLATED = 64 << 20;
/** The most bytes one member may give. */
export const MAX_MEMBER = MAX_INFLATED;
/** How deep archives nest (a .jar in a .war in a .zip is 3). */
export const MAX_DEPTH = 4;

export class ArchiveError extends Error {
  /** Over the size limit rather than damaged. */
  tooLarge = false;
}


/** Why a member was not opened. */
export type Unopened = 'encrypted' | 'compression' | 'too deep' | 'too large' | 'damaged';

export interface Opened {
  /** Lazy: each is read when reached (see openArchive). */
  members: Iterable<Member>;
  /** Members not opened, by why: encrypted, compressed in a way not read (bzip2, LZMA, zstd …), nested deeper than MAX_DEPTH, past the size left, a nested archive that could not be read. */
  unopened: Partial<Record<Unopened, number>>;
}

const WHY: Record<Unopened, string> = {
  encrypted: 'encrypted',
  compression: 'compressed by a method not read (bzip2, LZMA, zstd …)',
  'too deep': `nested more than ${MAX_DEPTH} deep`,
  'too large': `past the ${MAX_INFLATED >> 20} MiB one archive may give`,
  damaged: 'a damaged archive',
};

/** What was not opened, for a warning (`2 members not opened: 1 encrypted, 1 …`); undefined for nothing. */
export function unopenedNote(unopened: Opened['unopened']): string | undefined {
  const parts = (Object.keys(WHY) as Unopened[]).filter((k) => unopened[k]).map((k) => `${unopened[k]} ${WHY[k]}`);
  if (parts.length === 0) return undefined;
  const n = Object.values(unopened).reduce((a, b) => a + b, 0);
  return `${n} member${n === 1 ? '' : 's'} of this archive not scanned: ${parts.join(', ')}`;
}

/**
 * The members of an archive, nested archives opened in place (their members named `inner!path`), a
 * gzip layer read through (`backup.tar.gz` gives the tar's members, `app.env.gz` one `app.env`).
 * Members come one at a time, each inflated when it is reached and let go once the next is asked
 * for (a folder of big wheels held each one's 64 MiB at once), except an office document's parts,
 * which are read together. `unopened` is complete once `members` is. Throws ArchiveError when the
 * archive itself cannot be read (its directory or first header: what is inside fails later, as a
 * member not opened).
 */
export function openArchive(bytes: Uint8Array, kind: ArchiveKind, name: string, maxInflated = MAX_INFLATED): Opened {
  const out: Opened = { members: [], unopened: {} };
  const budget = { left: maxInflated, max: maxInflated };
  let first: Iterable<Member>;
  try {
    first = layer(bytes, kind, name, budget, out);
  } catch (err) {
    throw err instanceof ArchiveError ? err : new ArchiveError(err instanceof Error ? err.message : String(err));
  }
  out.members = walk(first, kind, '', budget, 0, out);
  return out;
}

interface Budget {
  left: number;
  /** The whole (for messages). */
  max: number;
}

function skipped(out: Opened, why: Unopened): void {
  out.unopened[why] = (out.unopened[why] ?? 0) + 1;
}

/** One archive's members (nested ones not opened yet). Reads what says whether it can be read at all now, the members as they are asked for. */
function layer(bytes: Uint8Array, kind: ArchiveKind, name: string, budget: Budget, out: Opened): Iterable<Member> {
  return kind === 'zip' ? zipMembers(bytes, name.replace(/^.*[\\/!]/, ''), budget, out) : kind === 'gzip' ? gzipMembers(bytes, name, budget) : tarMembers(bytes, out);
}

function* walk(members: Iterable<Member>, kind: ArchiveKind, prefix: string, budget: Budget, depth: number, out: Opened): Generator<Member> {
  for (const m of members) {
    const inner = archiveKind(m.bytes);
    if (inner && depth + 1 < MAX_DEPTH) {
      // A gzip layer is not a folder: its one member stands for it (a .tar.gz's tar is the archive).
      const sub = kind === 'gzip' ? prefix : `${prefix}${m.name}!`;
      let nested: Iterable<Member>;
      try {
        nested = layer(m.bytes, inner, m.name, budget, out);
      } catch (err) {
        skipped(out, err instanceof ArchiveError && err.tooLarge ? 'too large' : 'damaged');
        continue;
      }
      yield* walk(nested, inner, sub, budget, depth + 1, out);
      continue;
    }
    if (inner) {
      skipped(out, 'too deep');
      continue;
    }
    yield prefix ? { ...m, name: `${prefix}${m.name}` } : m;
  }
}

// --- ZIP ----------------------------------------------------------------------------------------

/**
 * Members whose names say they are binary (libraries, compiled classes, images, fonts) come last:
 * when the size an archive may give runs out, it runs out on them, not on its text (a wheel's .so
 * files used it up before its .py files).
 */
const BINARY_NAME = /\.(?:so(?:\.\d+)*|dll|dylib|pyd|a|o|lib|class|dex|exe|bin|png|jpe?g|gif|bmp|ico|webp|tiff?|woff2?|ttf|otf|eot|mp[34]|wav|ogg|mov|avi|pdf|pyc)$/i;

/** A ZIP's members: its directory is read now (a damaged one throws), each member inflated when asked for. */
function zipMembers(bytes: Uint8Array, doc: string, budget: Budget, out: Opened): Iterable<Member> {
  const { entries, damaged } = zipEntries(bytes);
  if (damaged) skipped(out, 'damaged');
  const files = entries.filter((e) => !e.name.endsWith('/'));
  const ordered = [...files.filter((e) => !BINARY_NAME.test(e.name)), ...files.filter((e) => BINARY_NAME.test(e.name))];
  if (!files.some((e) => isOfficePart(e.name))) return inflated(bytes, ordered, budget, out);
  // An office document's parts look each other up (shared strings, sheet names): read together, in the directory's order.
  const order = new Map(entries.map((e, i) => [e.name, i]));
  const members = [...inflated(bytes, ordered, budget, out)].sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  return officeText(members, doc);
}

/** Compressed bytes inflated to tell a big member's kind (they give more than HEAD_OUT). */
const HEAD_IN = 16 << 10;
/** What the verdict reads: decodeBytes' 8 KiB and the byte after. */
const HEAD_OUT = 8193;

function* inflated(bytes: Uint8Array, entries: ZipEntry[], budget: Budget, out: Opened): Generator<Member> {
  for (const e of entries) {
    if (e.encrypted) {
      skipped(out, 'encrypted');
      continue;
    }
    // 0: stored, 8: deflate; others (deflate64, bzip2, LZMA, zstd) are not opened.
    if (e.method !== 0 && e.method !== 8) {
      skipped(out, 'compression');
      continue;
    }
    let content: Uint8Array | null;
    const limit = Math.min(budget.left, MAX_MEMBER);
    try {
      const data = entryData(bytes, e);
      // A big member whose first bytes say binary (a library, an image; not an archive) is not
      // read further: the text it would give is skipped as binary anyway, whatever follows (the
      // verdict is its first 8 KiB's). It cost the time and memory of inflating it whole, and
      // used up what the archive may give before its text was reached.
      const head = e.method === 8 && data.byteLength > HEAD_IN ? entryHead(data, HEAD_IN) : null;
      if (head && head.byteLength > HEAD_OUT && !archiveKind(head) && decodeBytes(head.subarray(0, HEAD_OUT)).kind === 'binary') {
        budget.left -= head.byteLength;
        continue;
      }
      content = entryContent(data, e.method, limit);
    } catch (err) {
      if (!(err instanceof ZipError)) throw err;
      skipped(out, 'damaged');
      continue;
    }
    if (content === null) {
      // zlib inflated up to the limit before it stopped: that work counts too, or every entry of
      // thousands pointing at one bomb would cost it again.
      if (e.method !== 0) budget.left -= limit;
      skipped(out, 'too large');
      continue;
    }
    // What it gave counts, whatever it declared (a stored member's bytes are a view, not a copy).
    budget.left -= content.byteLength;
    yield { name: e.name, bytes: content };
  }
}

// --- gzip ---------------------------------------------------------------------------------------

function gzipMembers(bytes: Uint8Array, name: string, budget: Budget): Member[] {
  let data: Buffer;
  try {
    data = gunzipSync(bytes, { maxOutputLength: Math.max(1, budget.left) });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw Object.assign(new ArchiveError(`more than ${budget.max >> 20} MiB once decompressed is not opened`), { tooLarge: true });
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
  // A record's length counts bytes (a UTF-8 name's too): records are cut on the bytes, then decoded.
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let path: string | undefined;
  for (let i = 0; i < b.length; ) {
    const space = b.indexOf(0x20, i);
    const len = Number.parseInt(b.toString('latin1', i, space), 10);
    if (space === -1 || !(len > 0) || i + len > b.length) break;
    const rec = b.toString('utf8', space + 1, i + len - 1);
    if (rec.startsWith('path=')) path = rec.slice(5);
    i += len;
  }
  return path;
}

function tarMembers(bytes: Uint8Array, out: Opened): Member[] {
  let damaged = false;
  const members: Member[] = [];
  let longName: string | undefined;
  let pax: string | undefined;
  for (let off = 0; off + 512 <= bytes.length; ) {
    const h = bytes.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    if (!tarChecksumOk(h)) {
      // Damaged part-way (or a header this reader does not know, GNU sparse files): what came before is kept.
      if (off === 0) throw new ArchiveError(`no tar header at byte ${off}`);
      damaged = true;
      break;
    }
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
  if (damaged) skipped(out, 'damaged');
  return members;
}
