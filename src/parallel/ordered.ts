/**
 * Work handed to the pool in batches, results given back in input order: each input is either
 * ready at once (a skip) or a task whose results turn into events when its batch returns. At most
 * `AHEAD` tasks (and `AHEAD_BYTES` of content) are in flight, so memory stays bounded.
 */
import type { SourceBatch, SourceEvent } from '../sources/types.js';
import type { Pool } from './pool.js';
import type { TaskResult, WorkerTask } from './task.js';

/** Content bytes per batch (tasks per batch: the pool's `batchSize`). */
const BATCH_BYTES = 1 << 20;
/** Tasks, and content bytes, in flight ahead of the one the pipeline waits for. */
const AHEAD = 1024;
const AHEAD_BYTES = 16 << 20;

/** `wrap` gets the results that are not clean counts (a clean file needs no event: it is counted). */
export type Planned = { ready: SourceEvent[] } | { task: WorkerTask; bytes: number; wrap: (results: Exclude<TaskResult, number>[]) => SourceEvent[] };

interface Batch {
  tasks: WorkerTask[];
  bytes: number;
  sent?: Promise<TaskResult[][]>;
  results?: TaskResult[][];
  /** Results of tasks known before the whole batch's (the pool tells each as it is done). */
  early: (TaskResult[] | undefined)[];
}

type Slot = { ready: SourceEvent[] } | { batch: Batch; i: number; bytes: number; wrap: (results: Exclude<TaskResult, number>[]) => SourceEvent[] };

/**
 * `input` comes in groups (a directory's files, a window of blobs); events go out in groups too, as
 * many as are ready at each step, so the pipeline pays one async step per group, not per file.
 */
export async function* inOrder<T>(input: AsyncIterable<readonly T[]>, plan: (x: T) => Planned, pool: Pool): AsyncGenerator<SourceBatch> {
  const slots: Slot[] = [];
  let batch: Batch = { tasks: [], bytes: 0, early: [] };
  /** Wakes waitHead when a task's results come early. */
  let wake: (() => void) | undefined;
  let tasks = 0;
  let bytes = 0;

  const send = (): void => {
    if (!batch.tasks.length) return;
    const b = batch;
    b.sent = pool.run(b.tasks, (i, r) => {
      b.early[i] = r;
      wake?.();
    });
    // Rejections are seen when the slot is awaited; never an unhandled rejection meanwhile.
    b.sent.then((r) => (b.results = r)).catch(() => {});
    batch = { tasks: [], bytes: 0, early: [] };
  };

  /** Clean files counted since the last batch went out. */
  let clean = { items: 0, bytes: 0 };
  /** The first slot's events into `out` (its results are in, or it was ready from the start). */
  const pop = (out: SourceEvent[]): void => {
    const s = slots.shift()!;
    if ('ready' in s) {
      for (const e of s.ready) out.push(e);
      return;
    }
    tasks--;
    bytes -= s.bytes;
    const results = (s.batch.results?.[s.i] ?? s.batch.early[s.i])!;
    let rest: Exclude<TaskResult, number>[] | undefined;
    for (const r of results) {
      if (typeof r === 'number') {
        clean.items++;
        clean.bytes += r;
      } else (rest ??= []).push(r);
    }
    if (rest) for (const e of s.wrap(rest)) out.push(e);
  };
  const headReady = (): boolean => {
    if (slots.length === 0) return false;
    const s = slots[0]!;
    return 'ready' in s || s.batch.results !== undefined || s.batch.early[s.i] !== undefined;
  };
  /**
   * Wait for the first slot's results: its batch's, or its own told early (sending the batch first
   * if it is still being filled).
   */
  const waitHead = async (): Promise<void> => {
    for (;;) {
      if (headReady()) return;
      const s = slots[0] as Extract<Slot, { batch: Batch }>;
      if (!s.batch.sent) send();
      const early = new Promise<void>((resolve) => (wake = resolve));
      const r = await Promise.race([s.batch.sent!, early]);
      wake = undefined;
      if (r !== undefined) s.batch.results = r;
    }
  };

  /** Every slot ready at the head, as one batch; undefined when there is nothing to hand out. */
  const takeReady = (): SourceBatch | undefined => {
    const out: SourceEvent[] = [];
    while (headReady()) pop(out);
    if (!out.length && !clean.items) return undefined;
    const b: SourceBatch = clean.items ? { kind: 'batch', events: out, clean } : { kind: 'batch', events: out };
    clean = { items: 0, bytes: 0 };
    return b;
  };

  for await (const xs of input) {
    for (const x of xs) {
      const p = plan(x);
      if ('ready' in p) slots.push(p);
      else {
        slots.push({ batch, i: batch.tasks.length, bytes: p.bytes, wrap: p.wrap });
        batch.tasks.push(p.task);
        batch.bytes += p.bytes;
        tasks++;
        bytes += p.bytes;
        if (batch.tasks.length >= pool.batchSize || batch.bytes >= BATCH_BYTES) send();
      }
    }
    let ready = takeReady();
    while (tasks >= AHEAD || bytes >= AHEAD_BYTES) {
      // What is done goes out before waiting: Ctrl-C keeps every result that was ready.
      if (ready) yield ready;
      await waitHead();
      ready = takeReady();
    }
    if (ready) yield ready;
  }
  send();
  while (slots.length) {
    await waitHead();
    const ready = takeReady();
    if (ready) yield ready;
  }
}

/** A worker's result for an item as the event the pipeline takes (matches attached, content dropped). */
export function scannedEvent<E extends { path: string }>(base: E, r: Exclude<TaskResult, number>): SourceEvent {
  if (r.kind === 'skip') return { kind: 'skip', path: r.path, reason: r.reason, detail: r.detail };
  let lines: Map<number, string> | undefined;
  return {
    ...base,
    kind: 'item',
    path: r.path,
    content: '',
    scanned: { bytes: r.bytes, matches: r.matches, lineText: (n) => (lines ??= new Map(r.lines)).get(n) ?? '', ...(r.note !== undefined ? { note: r.note } : {}) },
  };
}
