/** What every source (directory walk, git index, commit range, history blobs, stdin) produces. */
import type { CommitInfo, Match } from '../core/types.js';

export type SkipReason =
  | 'binary'
  | 'symlink'
  | 'special'
  | 'too-large'
  | 'unreadable'
  | 'ignored'
  | 'submodule'
  | 'lfs-pointer';

/**
 * Content too large to hold at once (a big file): the pipeline reads it in chunks, decodes it as a
 * stream and scans it in overlapping windows, so memory stays bounded whatever the size.
 */
export interface ByteStream {
  /** Size in bytes when known (for progress; the stream is read to its end whatever this says). */
  readonly size: number;
  /** The bytes in order, at most `chunkSize` at a time; each call reads from the start. */
  chunks(chunkSize: number, signal?: AbortSignal): AsyncIterable<Uint8Array>;
}

export interface SourceItem {
  kind: 'item';
  /** Path as reported: relative to the scan root (or repository root), `/` separators. */
  path: string;
  /** Raw bytes (decoded by the pipeline: BOM, UTF-16, binary sniffing), already-decoded text, or a stream. */
  content: Uint8Array | string | ByteStream;
  commit?: CommitInfo;
  /** When set, only findings starting on these 1-based lines are reported (added lines of a diff). */
  lines?: { overlaps(from: number, to: number): boolean };
  /** Git blob id, for sources that read blobs. */
  blob?: string;
  /**
   * The content's buffer holds it alone and nothing else reads it: it may be moved (not copied) to
   * the thread that scans it, which leaves it empty here.
   */
  owned?: boolean;
  /**
   * Set when the source already read and scanned the content where it was read (a worker thread,
   * src/parallel/): the pipeline takes these matches instead of reading `content` (then empty).
   * Suppression, line filters, severity and redaction still happen in the pipeline.
   */
  scanned?: PreScanned;
}

/** What reading and detecting one item produced, when done by the source (see SourceItem.scanned). */
export interface PreScanned {
  /** Bytes read. */
  bytes: number;
  matches: Match[];
  /** The text of a 1-based line of the item near a match (others return ''). */
  lineText(line: number): string;
  /** What was not read of it, for a warning (an archive's members not opened). */
  note?: string;
}

export interface SourceSkip {
  kind: 'skip';
  path: string;
  reason: SkipReason;
  detail?: string;
  /** Tell the user even when this reason is usually silent (e.g. a symlink named on the command line). */
  warn?: boolean;
}

export type SourceEvent = SourceItem | SourceSkip;

/**
 * Events in a group, in order: what sources yielding many small events (the directory walk read in
 * worker threads, audit blobs) give the pipeline, so it pays one async step per group, not per file.
 */
export interface SourceBatch {
  kind: 'batch';
  events: SourceEvent[];
  /** Items read and scanned where they were read (worker threads) that hold no match: only counted. */
  clean?: { items: number; bytes: number };
}

/** What the pipeline takes: events, one at a time or in groups. */
export type SourceOutput = SourceEvent | SourceBatch;

/** Sources one after another, as one (each may be sync or async). */
export async function* concatSources<T>(...parts: (Iterable<T> | AsyncIterable<T>)[]): AsyncGenerator<T> {
  for (const p of parts) yield* p;
}
