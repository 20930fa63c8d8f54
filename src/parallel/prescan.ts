/**
 * Detection for any source that reads its own content (git blobs and commit messages in `audit`)
 * moved to the worker pool: items holding bytes or text go to the workers in batches, and come back,
 * in order, as the same events (commit, lines, blob id kept) carrying their matches
 * (`SourceItem.scanned`) instead of their content. Skips and streamed items pass through.
 */
import type { RuleSet } from '../core/types.js';
import { chunkPlanFor, type ChunkPlan } from '../read.js';
import type { SourceEvent } from '../sources/types.js';
import { inOrder, scannedEvent, type Planned } from './ordered.js';
import { bundledWorkerUrl, defaultThreads, PoolClosed, ScanPool } from './pool.js';

export interface PreScanOptions {
  ruleset: RuleSet;
  /** Must be the pipeline's plan (default: the rules' plan, as the pipeline's default). */
  plan?: ChunkPlan;
  decode?: boolean;
  /** Worker threads (0: none, the pipeline scans on this thread). Default: one per core, at most 4. */
  threads?: number;
  /** Default: the bundled dist/scan-worker.js; without one, events pass through unchanged. */
  workerUrl?: URL | string;
  /** Ctrl-C: stop the workers at once. */
  signal?: AbortSignal;
}

export async function* scanInWorkers(events: AsyncIterable<SourceEvent>, opts: PreScanOptions): AsyncGenerator<SourceEvent> {
  const url = opts.workerUrl ?? bundledWorkerUrl();
  if (!url || opts.threads === 0) {
    yield* events;
    return;
  }
  const pool = new ScanPool({
    threads: opts.threads ?? defaultThreads(),
    workerUrl: url,
    ruleset: opts.ruleset,
    plan: opts.plan ?? chunkPlanFor(opts.ruleset),
    decode: opts.decode,
  });
  const onAbort = (): void => pool.close();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
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
  try {
    yield* inOrder(events, plan, pool);
  } catch (err) {
    if (err instanceof PoolClosed && opts.signal?.aborted) return;
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    pool.close();
  }
}
