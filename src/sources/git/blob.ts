/** One git blob as a source event: gitlinks and LFS pointers are skipped, symlinks are their text. */
import type { CommitInfo } from '../../core/types.js';
import type { SourceEvent, SourceSkip } from '../types.js';
import { blobStream, isLfsPointer, MODE_GITLINK, type CatFile } from './repo.js';

/** The content of a blob read past (a big one, see BIG_BLOB): blobSkip needs only its size. */
const NOTHING = Buffer.alloc(0);

export interface BlobRef {
  path: string;
  oid: string;
  mode: string;
}

export interface BlobEventOptions {
  lines?: { overlaps(from: number, to: number): boolean };
  commit?: CommitInfo;
  maxFileSize?: number;
}

/** Why a blob read from git is not scanned (too large, a Git LFS pointer), or undefined: scan it. */
export function blobSkip(path: string, obj: { size: number; content: Buffer | undefined }, maxFileSize: number | undefined): (SourceSkip & { detail: string }) | undefined {
  if (maxFileSize !== undefined && obj.size > maxFileSize) {
    return { kind: 'skip', path, reason: 'too-large', detail: `skipped: too large (${obj.size} bytes > --max-file-size ${maxFileSize})` };
  }
  if (isLfsPointer(obj.content ?? NOTHING)) return { kind: 'skip', path, reason: 'lfs-pointer', detail: 'Git LFS pointer: the content lives on the LFS server' };
  return undefined;
}

/**
 * Read a blob and turn it into an item (or a skip); a big one (BIG_BLOB) is read again as a stream
 * when scanned. A symbolic link (mode 120000) is scanned as its
 * link text and never followed; a submodule (gitlink) is not entered; a missing or corrupt object
 * is a GitError (fail closed).
 */
export async function blobEvent(cat: CatFile, ref: BlobRef, opts: BlobEventOptions = {}): Promise<SourceEvent> {
  if (ref.mode === MODE_GITLINK) {
    return { kind: 'skip', path: ref.path, reason: 'submodule', detail: 'submodule: not entered (scan it in its own repository)' };
  }
  const obj = await cat.must(ref.oid, ref.path);
  const skip = blobSkip(ref.path, obj, opts.maxFileSize);
  if (skip) return skip;
  return {
    kind: 'item',
    path: ref.path,
    content: obj.content ?? blobStream(cat.cwd, ref.oid, obj.size),
    blob: ref.oid,
    ...(opts.commit ? { commit: opts.commit } : {}),
    ...(opts.lines ? { lines: opts.lines } : {}),
  };
}
