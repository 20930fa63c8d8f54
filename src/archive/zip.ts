/**
 * A ZIP's central directory and its members' data, read from the bytes (ZIP64 too, and a ZIP with
 * something before it: a self-extracting archive, an executable jar with a launch script), each
 * member inflated by zlib with a limit on what it may give. A library that trusts the sizes a member
 * declares was tried first (fflate): it copies a stored member's bytes once per directory entry
 * pointing at them (2,000 entries at one 32 MiB member: out of memory) and inflates a whole stream
 * whatever size was declared (a 170 KB file ran for minutes). Pure.
 */
import { constants, inflateRawSync } from 'node:zlib';
import { findEocd } from './kind.js';

export interface ZipEntry {
  name: string;
  method: number;
  encrypted: boolean;
  compressedSize: number;
  /** Where its local header is, in the bytes given. */
  offset: number;
}

export class ZipError extends Error {}

const EOCD64 = 0x06064b50;
const LOCATOR64 = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/**
 * The directory's entries, in its order. Offsets are moved by what precedes the archive (the
 * difference between where the directory is and where the end record says it is). Stops at the
 * first entry that is not one (`damaged` is then true); throws when there is no directory at all.
 */
export function zipEntries(b: Uint8Array): { entries: ZipEntry[]; damaged: boolean } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const eocd = findEocd(b);
  if (eocd === -1) throw new ZipError('no end of central directory record');
  let count = dv.getUint16(eocd + 10, true);
  let size = dv.getUint32(eocd + 12, true);
  let at = dv.getUint32(eocd + 16, true);
  let end = eocd;
  if ((at === 0xffffffff || count === 0xffff || size === 0xffffffff) && eocd >= 20 && dv.getUint32(eocd - 20, true) === LOCATOR64) {
    // ZIP64: the record is where the locator says, or (something before the archive) just before it.
    let z = Number(dv.getBigUint64(eocd - 12, true));
    if (!(z + 56 <= b.length && dv.getUint32(z, true) === EOCD64)) z = eocd - 20 - 56;
    if (z < 0 || dv.getUint32(z, true) !== EOCD64) throw new ZipError('no ZIP64 end of central directory record');
    count = Number(dv.getBigUint64(z + 32, true));
    size = Number(dv.getBigUint64(z + 40, true));
    at = Number(dv.getBigUint64(z + 48, true));
    end = z;
  }
  const start = end - size;
  if (start < 0) throw new ZipError('the central directory is larger than the file');
  const delta = start - at;
  const entries: ZipEntry[] = [];
  let p = start;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || dv.getUint32(p, true) !== CENTRAL) return { entries, damaged: true };
    const flags = dv.getUint16(p + 8, true);
    const nameLength = dv.getUint16(p + 28, true);
    const extraLength = dv.getUint16(p + 30, true);
    const next = p + 46 + nameLength + extraLength + dv.getUint16(p + 32, true);
    if (next > end) return { entries, damaged: true };
    let compressedSize = dv.getUint32(p + 20, true);
    const uncompressed = dv.getUint32(p + 24, true);
    let offset = dv.getUint32(p + 42, true);
    // ZIP64 sizes and offset, in the extra field (id 1), for those set to 0xffffffff, in this order.
    if (compressedSize === 0xffffffff || offset === 0xffffffff || uncompressed === 0xffffffff) {
      for (let x = p + 46 + nameLength; x + 4 <= p + 46 + nameLength + extraLength; ) {
        const id = dv.getUint16(x, true);
        const len = dv.getUint16(x + 2, true);
        if (id === 1) {
          let f = x + 4;
          const take = (): number => {
            const v = f + 8 <= x + 4 + len ? Number(dv.getBigUint64(f, true)) : 0xffffffff;
            f += 8;
            return v;
          };
          if (uncompressed === 0xffffffff) take();
          if (compressedSize === 0xffffffff) compressedSize = take();
          if (offset === 0xffffffff) offset = take();
          break;
        }
        x += 4 + len;
      }
    }
    const raw = b.subarray(p + 46, p + 46 + nameLength);
    const name = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString(flags & 0x800 ? 'utf8' : 'latin1');
    entries.push({ name, method: dv.getUint16(p + 10, true), encrypted: (flags & 1) === 1, compressedSize, offset: offset + delta });
    p = next;
  }
  return { entries, damaged: false };
}

/** A member's compressed bytes (a view, not a copy). Throws ZipError when its local header is not where the directory says. */
export function entryData(b: Uint8Array, e: ZipEntry): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (e.offset < 0 || e.offset + 30 > b.length || dv.getUint32(e.offset, true) !== LOCAL) throw new ZipError(`no local header for ${e.name}`);
  const start = e.offset + 30 + dv.getUint16(e.offset + 26, true) + dv.getUint16(e.offset + 28, true);
  if (start + e.compressedSize > b.length) throw new ZipError(`${e.name} goes past the end of the file`);
  return b.subarray(start, start + e.compressedSize);
}

/**
 * A member's content: stored as it is (a view), deflated inflated by zlib up to `limit` bytes.
 * Returns null when it would give more than `limit` (zlib stops there: the work is bounded by the
 * limit, not by what the member declares); throws ZipError when its data is not deflate.
 */
export function entryContent(data: Uint8Array, method: number, limit: number): Uint8Array | null {
  if (method === 0) return data.byteLength > limit ? null : data;
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(1, limit) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return null;
    throw new ZipError((err as Error).message);
  }
}

/**
 * The start of a deflated member: its first `n` compressed bytes inflated, which give about `n`
 * bytes at least (deflate adds a few bytes a block to what it cannot compress) and at most ~1,032
 * times `n` (deflate's most); null when they are not deflate (the whole member then says so).
 */
export function entryHead(data: Uint8Array, n: number): Uint8Array | null {
  try {
    return inflateRawSync(data.subarray(0, n), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: n * 1040 });
  } catch {
    return null;
  }
}
