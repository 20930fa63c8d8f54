/**
 * Detection for any source that reads its own content (git blobs and commit messages in `audit`)
 * moved to the scan pool: items holding bytes or text, and objects left in git, go to the pool in
 * batches, and come back, in order, as the same events (commit, lines, blob id kept) carrying their
 * matches (`SourceItem.scanned`) instead of their content. Skips and streamed items pass through.
 * Without a worker (threads 0, or no bundled dist/scan-worker.js) the pool is this thread alone.
 */
import type { GitObjectStream, SourceBatch, SourceEvent, SourceItem, SourceOutput } from '../sources/types.js';
import { inOrder, scannedEvent, type Planned } from './ordered.js';
import { bundledWorkerUrl, withPool, type WorkerScanOptions } from './pool.js';

export type PreScanOptions = Omit<WorkerScanOptions, 'maxFileSize'>;

export async function* scanInWorkers(events: AsyncIterable<SourceOutput>, opts: PreScanOptions): AsyncGenerator<SourceOutput> {
  const url = opts.threads === 0 ? undefined : (opts.workerUrl ?? bundledWorkerUrl());
  const plan = (ev: SourceEvent): Planned => {
    if (ev.kind === 'skip' || ev.scanned) return { ready: [ev] };
    const c = ev.content;
    if (isGitObject(c)) {
      // An object left in git: the worker reads it through its own cat-file.
      const { content: _content, ...rest } = ev;
      return { task: { path: ev.path, git: c.git }, bytes: c.size, wrap: (results) => results.map((r) => scannedEvent(rest, r)) };
    }
    if (typeof c !== 'string' && !(c instanceof Uint8Array)) return { ready: [ev] }; // a stream: the pipeline reads it
    const { content: _content, ...rest } = ev;
    return {
      task: { path: ev.path, content: c },
      bytes: typeof c === 'string' ? c.length * 2 : c.byteLength,
      wrap: (results) => results.map((r) => scannedEvent(rest, r)),
    };
  };
  // Clean files a source already scanned (a directory tree read by its own workers) come as counts;
  // counts need no order, so they ride on the next batch that goes out (or a last one of their own).
  const carried = { items: 0, bytes: 0 };
  async function* groups(): AsyncGenerator<SourceEvent[]> {
    for await (const e of events) {
      if (e.kind !== 'batch') {
        yield [e];
        continue;
      }
      if (e.clean) {
        carried.items += e.clean.items;
        carried.bytes += e.clean.bytes;
      }
      yield e.events;
    }
  }
  const withCarried = (b: SourceBatch): SourceBatch => {
    if (!carried.items && !carried.bytes) return b;
    const clean = { items: (b.clean?.items ?? 0) + carried.items, bytes: (b.clean?.bytes ?? 0) + carried.bytes };
    carried.items = carried.bytes = 0;
    return { ...b, clean };
  };
  for await (const b of withPool(url, url ? opts : { ...opts, threads: 0 }, (pool) => inOrder(groups(), plan, pool))) yield withCarried(b);
  if (carried.items || carried.bytes) yield withCarried({ kind: 'batch', events: [] });
}

function isGitObject(c: SourceItem['content']): c is GitObjectStream {
  return typeof c === 'object' && !(c instanceof Uint8Array) && 'git' in c;
}
