/**
 * Whether bytes are an archive (src/archive/open.ts opens it), by their first bytes, and what a member
 * is: this runs on every file read, so it is cheap and has no dependency (the opening code loads only
 * when needed).
 */

/** The largest archive read whole to be opened (a bigger one is skipped as a binary file). */
export const MAX_ARCHIVE_BYTES = 64 << 20;

export type ArchiveKind = 'zip' | 'gzip' | 'tar';

/** A member of an archive, as src/archive/open.ts gives it. */
export interface Member {
  /** Its path in the archive; a nested archive's members as `inner.jar!path`; an Excel sheet's as `part#sheet name`. */
  name: string;
  bytes: Uint8Array;
  /** The name detection sees, when not `name`'s (an office document's part: `HubSpot keys.xlsx!Tokens.tsv`). */
  as?: string;
  /**
   * A second reading of the member before it (a table of a document read as a .tsv file is, its
   * header naming its cells, `part#table 1`): a secret it shares with that part is that part's
   * finding, not a second one.
   */
  view?: boolean;
}

/** What kind of archive `b` is by its first bytes (ZIP's local header, gzip's magic, tar's `ustar` with a valid header checksum). */
export function archiveKind(b: Uint8Array): ArchiveKind | null {
  if (b.length >= 30 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4) return 'zip';
  if (b.length >= 18 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 8) return 'gzip';
  if (b.length >= 512 && isUstar(b) && tarChecksumOk(b.subarray(0, 512))) return 'tar';
  return null;
}

/** `ustar` at byte 257 (compared byte by byte: this runs on every file). */
export function isUstar(b: Uint8Array): boolean {
  return b[257] === 0x75 && b[258] === 0x73 && b[259] === 0x74 && b[260] === 0x61 && b[261] === 0x72;
}

/** A NUL-ended field as UTF-8. */
export function field(h: Uint8Array, at: number, n: number): string {
  const f = h.subarray(at, at + n);
  const end = f.indexOf(0);
  return Buffer.from(f.buffer, f.byteOffset, end === -1 ? f.length : end).toString('utf8');
}

export function octal(h: Uint8Array, at: number, n: number): number {
  // GNU base-256 for sizes over 8 GiB: the first byte's high bit set.
  if (h[at]! & 0x80) {
    let v = h[at]! & 0x7f;
    for (let i = 1; i < n; i++) v = v * 256 + h[at + i]!;
    return v;
  }
  const s = field(h, at, n).trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
}

export function tarChecksumOk(h: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return octal(h, 148, 8) === sum;
}

/** Where the end of central directory record is (searched back over its longest comment), or -1. */
export function findEocd(b: Uint8Array): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 0xffff); i--) {
    if (b[i] === 0x50 && b[i + 1] === 0x4b && dv.getUint32(i, true) === 0x06054b50) return i;
  }
  return -1;
}

/**
 * A binary file that ends as a ZIP does (its end record in the last 64 KiB), though it does not start
 * as one: a self-extracting archive, an executable jar behind a launch script. Only asked of binary
 * content (the search goes back up to 64 KiB).
 */
export function endsAsZip(b: Uint8Array): boolean {
  return b.length >= 22 && findEocd(b) !== -1;
}
