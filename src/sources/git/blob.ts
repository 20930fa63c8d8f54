/** One git blob as a source event: gitlinks and LFS pointers are skipped, symlinks are their text. */
import type { CommitInfo } from '../../core/types.js';
import type { SourceEvent } from '../types.js';
import { isLfsPointer, MODE_GITLINK, type CatFile } from './repo.js';

export interface BlobRef {
  path: string;
  oid: string;
  mode: string;
}

export interface BlobEventOptions {
  lines?: ReadonlySet<number>;
  commit?: CommitInfo;
  maxFileSize?: number;
}

/**
 * Read a blob and turn it into an item (or a skip). A symbolic link (mode 120000) is scanned as its
 * link text and never followed; a submodule (gitlink) is not entered; a missing or corrupt object
 * is a GitError (fail closed).
 */
export async function blobEvent(cat: CatFile, ref: BlobRef, opts: BlobEventOptions = {}): Promise<SourceEvent> {
  if (ref.mode === MODE_GITLINK) {
    return { kind: 'skip', path: ref.path, reason: 'submodule', detail: 'submodule: not entered (scan it in its own repository)' };
  }
  const obj = await cat.must(ref.oid, ref.path);
  if (opts.maxFileSize !== undefined && obj.size > opts.maxFileSize) {
    return { kind: 'skip', path: ref.path, reason: 'too-large', detail: `skipped: too large (${obj.size} bytes > --max-file-size ${opts.maxFileSize})` };
  }
  if (isLfsPointer(obj.content)) {
    return { kind: 'skip', path: ref.path, reason: 'lfs-pointer', detail: 'Git LFS pointer: the content lives on the LFS server' };
  }
  return {
    kind: 'item',
    path: ref.path,
    content: obj.content,
    blob: ref.oid,
    ...(opts.commit ? { commit: opts.commit } : {}),
    ...(opts.lines ? { lines: opts.lines } : {}),
  };
}
