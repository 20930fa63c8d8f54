/**
 * The directory-tree source, read and scanned by worker threads. The walk (and config pruning)
 * stays on this thread (src/sources/files.ts `walkFiles`); batches of walked files go to a pool of
 * workers that open, read and scan them (src/parallel/task.ts) and send back only the matches.
 * Events come out in walk order, exactly as the single-thread source gives them, with items
 * carrying their matches (`SourceItem.scanned`): suppression, line filters, stats and warnings stay
 * in the pipeline on this thread.
 *
 * A small tree (fewer than `minFiles` files) is read on this thread, as are all trees when there is
 * no bundled worker (running from the TypeScript sources) or `threads` is 0. Ctrl-C terminates the
 * workers at once, also one in the middle of a big file.
 */
import type { RuleSet } from '../core/types.js';
import { chunkPlanFor, type ChunkPlan } from '../read.js';
import { readWalked, walkFiles, type FileSourceOptions, type WalkedFile } from '../sources/files.js';
import type { SourceEvent, SourceSkip } from '../sources/types.js';
import { bundledWorkerUrl, defaultThreads, PoolClosed, ScanPool } from './pool.js';
import type { FileTask, TaskResult } from './task.js';

export interface ParallelFileSourceOptions extends FileSourceOptions {
  ruleset: RuleSet;
  /** Must be the pipeline's plan (default: the rules' plan, as the pipeline's default). */
  plan?: ChunkPlan;
  decode?: boolean;
  /**
   * Worker threads. 0: read on this thread. Undefined: one per core (at most 4) when the tree has at
   * least `minFiles` files. A number > 0 forces that many workers whatever the tree's size.
   */
  threads?: number;
  /** Default: the bundled dist/scan-worker.js. */
  workerUrl?: URL | string;
  /** Ctrl-C: stop the workers at once. */
  signal?: AbortSignal;
  /** Default 128. */
  minFiles?: number;
}

/** Files per message to a worker. */
const BATCH = 16;
/** Files walked ahead of the one the pipeline waits for (bounds memory and open results). */
const AHEAD = 1024;

type Walked = WalkedFile | SourceSkip;

async function* concat(head: Walked[], rest: AsyncGenerator<Walked>): AsyncGenerator<Walked> {
  yield* head;
  yield* rest;
}

export async function* parallelFileSource(roots: readonly string[], opts: ParallelFileSourceOptions): AsyncGenerator<SourceEvent> {
  const url = opts.workerUrl ?? bundledWorkerUrl();
  const walked = walkFiles(roots, opts);
  if (!url || opts.threads === 0) {
    yield* readWalked(walked, opts);
    return;
  }
  const head: Walked[] = [];
  if (opts.threads === undefined) {
    // Look ahead: starting workers costs more than a small tree takes to read here.
    const min = opts.minFiles ?? 128;
    let files = 0;
    while (files < min) {
      const r = await walked.next();
      if (r.done) {
        yield* readWalked(concat(head, walked), opts);
        return;
      }
      head.push(r.value);
      if (r.value.kind === 'file') files++;
    }
  }
  if (opts.signal?.aborted) {
    await walked.return(undefined);
    return;
  }
  const pool = new ScanPool({
    threads: opts.threads ?? defaultThreads(),
    workerUrl: url,
    ruleset: opts.ruleset,
    plan: opts.plan ?? chunkPlanFor(opts.ruleset),
    decode: opts.decode,
    maxFileSize: opts.maxFileSize,
  });
  const onAbort = (): void => pool.close();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    yield* inWorkers(concat(head, walked), pool);
  } catch (err) {
    if (err instanceof PoolClosed && opts.signal?.aborted) return;
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    pool.close();
  }
}

interface Batch {
  tasks: FileTask[];
  sent?: Promise<TaskResult[][]>;
  results?: TaskResult[][];
}

/** A walked entry waiting its turn: a skip (ready) or the i-th file of a batch. */
type Slot = { ready: SourceEvent[] } | { batch: Batch; i: number };

function toEvents(results: TaskResult[]): SourceEvent[] {
  return results.map((r): SourceEvent => {
    if (r.kind === 'skip') return { kind: 'skip', path: r.path, reason: r.reason, detail: r.detail };
    let lines: Map<number, string> | undefined;
    return {
      kind: 'item',
      path: r.path,
      content: '',
      scanned: { bytes: r.bytes, matches: r.matches, lineText: (n) => (lines ??= new Map(r.lines)).get(n) ?? '' },
    };
  });
}

async function* inWorkers(walked: AsyncIterable<Walked>, pool: ScanPool): AsyncGenerator<SourceEvent> {
  const slots: Slot[] = [];
  let batch: Batch = { tasks: [] };
  let waiting = 0; // files in slots

  const send = (): void => {
    if (!batch.tasks.length) return;
    const b = batch;
    b.sent = pool.run(b.tasks);
    // Rejections are seen when the slot is awaited; never an unhandled rejection meanwhile.
    b.sent.then((r) => (b.results = r)).catch(() => {});
    batch = { tasks: [] };
  };

  /** The events of the first slot: at once when ready, else after its batch returns. */
  const take = async (): Promise<SourceEvent[]> => {
    const s = slots.shift()!;
    if ('ready' in s) return s.ready;
    waiting--;
    if (!s.batch.sent) send();
    const results = s.batch.results ?? (await s.batch.sent!);
    return toEvents(results[s.i]!);
  };
  const headReady = (): boolean => {
    const s = slots[0];
    return s !== undefined && ('ready' in s || s.batch.results !== undefined);
  };

  for await (const e of walked) {
    if (e.kind === 'skip') slots.push({ ready: [e] });
    else {
      slots.push({ batch, i: batch.tasks.length });
      batch.tasks.push({ abs: e.abs, path: e.path });
      waiting++;
      if (batch.tasks.length >= BATCH) send();
    }
    while (headReady()) yield* await take();
    if (waiting >= AHEAD) yield* await take();
  }
  send();
  while (slots.length) yield* await take();
}
