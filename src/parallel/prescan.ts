/**
 * Detection for any source that reads its own content (git blobs and commit messages in `audit`)
 * moved to the worker pool: items holding bytes or text go to the workers in batches, and come back,
 * in order, as the same events (commit, lines, blob id kept) carrying their matches
 * (`SourceItem.scanned`) instead of their content. Skips and streamed items pass through.
 */
import type { SourceEvent, SourceOutput } from '../sources/types.js';
import { inOrder, scannedEvent, type Planned } from './ordered.js';
import { bundledWorkerUrl, withPool, type WorkerScanOptions } from './pool.js';

/** Without a worker (threads 0, or no bundled dist/scan-worker.js) events pass through unchanged. */
export type PreScanOptions = Omit<WorkerScanOptions, 'maxFileSize'>;

export async function* scanInWorkers(events: AsyncIterable<SourceEvent | SourceEvent[]>, opts: PreScanOptions): AsyncGenerator<SourceOutput> {
  const url = opts.workerUrl ?? bundledWorkerUrl();
  if (!url || opts.threads === 0) {
    for await (const e of events) yield Array.isArray(e) ? { kind: 'batch', events: e } : e;
    return;
  }
  const plan = (ev: SourceEvent): Planned => {
    if (ev.kind === 'skip' || ev.scanned) return { ready: [ev] };
    const c = ev.content;
    if (typeof c !== 'string' && !(c instanceof Uint8Array)) return { ready: [ev] }; // a stream: the pipeline reads it
    const { content: _content, ...rest } = ev;
    return {
      task: { path: ev.path, content: c },
      bytes: typeof c === 'string' ? c.length * 2 : c.byteLength,
      wrap: (results) => results.map((r) => scannedEvent(rest, r)),
    };
  };
  yield* withPool(url, opts, (pool) => inOrder(groups(events), plan, pool));
}

async function* groups(events: AsyncIterable<SourceEvent | SourceEvent[]>): AsyncGenerator<SourceEvent[]> {
  for await (const e of events) yield Array.isArray(e) ? e : [e];
}
