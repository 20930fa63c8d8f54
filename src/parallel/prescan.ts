/**
 * Detection for any source that reads its own content (git blobs and commit messages in `audit`)
 * moved to the scan pool: items holding bytes or text go to the pool in batches (this thread only
 * feeds the workers, as it reads the source; a buffer the source read for its item alone is moved,
 * not copied), and come back, in order, as the same events (commit, lines, blob id kept) carrying their
 * matches (`SourceItem.scanned`) instead of their content. Skips and streamed items pass through.
 * Without a worker (threads 0, or no bundled dist/scan-worker.js) the pool is this thread alone.
 */
import type { SourceEvent, SourceOutput } from '../sources/types.js';
import type { WorkerTask } from './task.js';
import { inOrder, scannedEvent, type Planned } from './ordered.js';
import { bundledWorkerUrl, withPool, type WorkerScanOptions } from './pool.js';

export type PreScanOptions = Omit<WorkerScanOptions, 'maxFileSize'>;

export async function* scanInWorkers(events: AsyncIterable<SourceOutput>, opts: PreScanOptions): AsyncGenerator<SourceOutput> {
  const url = opts.threads === 0 ? undefined : (opts.workerUrl ?? bundledWorkerUrl());
  const plan = (ev: SourceEvent): Planned => {
    if (ev.kind === 'skip' || ev.scanned) return { ready: [ev] };
    const { content: c, owned, ...rest } = ev;
    const planned = (task: WorkerTask, bytes: number): Planned => ({ task, bytes, wrap: (results) => results.map((r) => scannedEvent(rest, r)) });
    if (typeof c === 'string') return planned({ path: ev.path, content: c }, c.length * 2);
    if (c instanceof Uint8Array) return planned({ path: ev.path, content: c, ...(owned ? { move: true } : {}) }, c.byteLength);
    return { ready: [ev] }; // a stream: the pipeline reads it
  };
  // This thread reads the source (git's stream) and feeds the workers; with none, it scans too.
  yield* withPool(url, { ...opts, here: false }, (pool) => inOrder(groups(events), plan, pool));
}

async function* groups(events: AsyncIterable<SourceOutput>): AsyncGenerator<SourceEvent[]> {
  for await (const e of events) yield e.kind === 'batch' ? e.events : [e];
}
