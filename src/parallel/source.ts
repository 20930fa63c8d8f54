/**
 * The directory-tree source, read and scanned by worker threads and this thread. The walk (and
 * config pruning) stays on this thread (src/sources/files.ts `walkBatches`); batches of walked files
 * go to a pool — workers, and this thread between event-loop turns — that opens, reads and scans them
 * (src/parallel/task.ts); workers send back only the matches.
 * Events come out in walk order, exactly as the single-thread source gives them, with items
 * carrying their matches (`SourceItem.scanned`): suppression, line filters, stats and warnings stay
 * in the pipeline on this thread.
 *
 * A small tree (fewer than `minFiles` files) is read on this thread alone, as are all trees when
 * there is no bundled worker (running from the TypeScript sources) or `threads` is 0. Ctrl-C
 * terminates the workers at once, also one in the middle of a big file, and stops this thread's
 * file at its next window.
 */
import { walkBatches, type FileSourceOptions, type WalkedFile } from '../sources/files.js';
import { concatSources, type SourceOutput, type SourceSkip } from '../sources/types.js';
import { bundledWorkerUrl, withPool, type Pool, type WorkerScanOptions } from './pool.js';
import { inOrder, scannedEvent, type Planned } from './ordered.js';
import { dropSpares } from './spare.js';

/**
 * `threads`: 0 reads on this thread; undefined, defaultThreads() workers (and this thread) when the tree has at least
 * `minFiles` files; a number > 0 forces that many workers whatever the tree's size.
 */
export interface ParallelFileSourceOptions extends FileSourceOptions, WorkerScanOptions {
  /** Default MIN_PARALLEL_FILES. */
  minFiles?: number;
}

/** A folder with fewer files is read on this thread alone: starting workers costs more. */
export const MIN_PARALLEL_FILES = 128;

type Walked = WalkedFile | SourceSkip;

export async function* parallelFileSource(roots: readonly string[], opts: ParallelFileSourceOptions): AsyncGenerator<SourceOutput> {
  const url = opts.workerUrl ?? bundledWorkerUrl();
  const walked = walkBatches(roots, opts);
  // This thread alone (no worker script when running from the sources, or --threads 0): the same
  // reading (synchronous, into one reused buffer) as a worker's, in batches between event-loop turns.
  const here = (groups: AsyncIterable<Walked[]>): AsyncGenerator<SourceOutput> => {
    dropSpares();
    return withPool(undefined, opts, (pool) => inWorkers(groups, pool));
  };
  if (!url || opts.threads === 0) {
    yield* here(walked);
    return;
  }
  const head: Walked[][] = [];
  if (opts.threads === undefined) {
    // Look ahead: starting workers costs more than a small tree takes to read here.
    const min = opts.minFiles ?? MIN_PARALLEL_FILES;
    let files = 0;
    while (files < min) {
      const r = await walked.next();
      if (r.done) {
        yield* here(concatSources(head, walked));
        return;
      }
      head.push(r.value);
      for (const e of r.value) if (e.kind === 'file') files++;
    }
  }
  if (opts.signal?.aborted) {
    await walked.return(undefined);
    return;
  }
  yield* withPool(url, opts, (pool) => inWorkers(concatSources(head, walked), pool));
}

/** Walked files go to the workers; skips pass through in order. */
function inWorkers(walked: AsyncIterable<Walked[]>, pool: Pool): AsyncGenerator<SourceOutput> {
  return inOrder(
    walked,
    (e): Planned =>
      e.kind === 'skip'
        ? { ready: [e] }
        : { task: { abs: e.abs, path: e.path }, bytes: 0, wrap: (results) => results.map((r) => scannedEvent({ path: e.path }, r)) },
    pool,
  );
}
