/** What every source (directory walk, git index, commit range, history blobs, stdin) produces. */
import type { CommitInfo } from '../core/types.js';

export type SkipReason =
  | 'binary'
  | 'symlink'
  | 'special'
  | 'too-large'
  | 'unreadable'
  | 'ignored'
  | 'submodule'
  | 'lfs-pointer';

export interface SourceItem {
  kind: 'item';
  /** Path as reported: relative to the scan root (or repository root), `/` separators. */
  path: string;
  /** Raw bytes (decoded by the pipeline: BOM, UTF-16, binary sniffing) or already-decoded text. */
  content: Uint8Array | string;
  commit?: CommitInfo;
  /** When set, only findings starting on these 1-based lines are reported (added lines of a diff). */
  lines?: ReadonlySet<number>;
  /** Git blob id, for sources that read blobs. */
  blob?: string;
}

export interface SourceSkip {
  kind: 'skip';
  path: string;
  reason: SkipReason;
  detail?: string;
}

export type SourceEvent = SourceItem | SourceSkip;
