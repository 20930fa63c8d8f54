/**
 * A small pool of scan worker threads (src/parallel/worker.ts, bundled as dist/scan-worker.js).
 * Batches of files go to the least busy worker; each batch's promise settles with its results.
 * Fails closed: a worker that throws, exits, or cannot start rejects every pending batch with a
 * PoolError (the run exits 2), and the pool takes no more work.
 */
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../builtin.js';
import type { RuleSet } from '../core/types.js';
import { GitError, isUserError, UserError } from '../errors.js';
import { chunkPlanFor, type ChunkPlan } from '../read.js';
import { runTask, taskBuffer, type TaskContext, type TaskResult, type WorkerTask } from './task.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker.js';
import { allowListeners, defaultThreads, takeSpare } from './spare.js';

/** A scan worker failed: nothing may be concluded from the run. */
export class PoolError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PoolError';
  }
}

function userError(e: { name: string; message: string }): UserError {
  return e.name === 'GitError' ? new GitError(e.message) : new UserError(e.message);
}

/** The pool was closed (Ctrl-C, or the scan stopped early) while a batch was pending. */
export class PoolClosed extends Error {
  constructor() {
    super('scan worker pool closed');
    this.name = 'PoolClosed';
  }
}

export { bundledWorkerUrl } from './spare.js';

export interface PoolOptions {
  /** Worker threads (0: this thread alone, which needs no worker script). */
  threads: number;
  /** Whether this thread scans batches too when there are workers (default true). */
  here?: boolean;
  workerUrl: URL | string | undefined;
  ruleset: RuleSet;
  plan: ChunkPlan;
  decode?: boolean;
  maxFileSize?: number;
  signal?: AbortSignal;
}

interface Pending {
  worker: number;
  resolve: (r: TaskResult[][]) => void;
  reject: (e: Error) => void;
  onResult?: OnResult;
}

/**
 * Told each task's results as soon as they are known, before the whole batch is (a batch that holds
 * a big file: the files before it are reported even if Ctrl-C comes before the big one is done).
 */
export type OnResult = (index: number, results: TaskResult[]) => void;

/** Tasks per batch: see ScanPool.batchSize. */
const batchSizeFor = (workers: number): number => (workers === 0 ? 8 : 16);

export class ScanPool {
  /**
   * Tasks per batch: 16 per message to a worker; 8 when this thread scans alone (a batch of one costs
   * ~12 µs a file more: 0.1 s on 10k files). Finished files are told early (OnResult), so Ctrl-C in
   * the middle of a batch still reports them.
   */
  readonly batchSize: number;
  private readonly workers: Worker[] = [];
  /** Pending batches per worker; the last entry is this thread's (when it scans batches too). */
  private readonly load: number[] = [];
  /** How many entries of `load` take batches: this thread's is left out when it only feeds the workers. */
  private readonly takers: number;
  /** This thread's share: batches run one after another, each after a turn of the event loop. */
  private readonly local: TaskContext;
  private localChain: Promise<unknown> = Promise.resolve();
  private lastTurn = 0;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;
  private closed = false;

  constructor(opts: PoolOptions) {
    const init: WorkerInit = {
      specs: opts.ruleset.rules.map((r) => r.spec),
      plan: opts.plan,
      ...(opts.decode !== undefined ? { decode: opts.decode } : {}),
      ...(opts.maxFileSize !== undefined ? { maxFileSize: opts.maxFileSize } : {}),
    };
    allowListeners(opts.threads);
    for (let i = 0; i < opts.threads; i++) {
      if (opts.workerUrl === undefined) throw new PoolError('no worker script to start');
      // A worker started early (spare.ts) is configured by its first message; else it starts now.
      const spare = takeSpare(opts.workerUrl);
      const w = spare ?? new (workerThreads().Worker)(opts.workerUrl, { workerData: init, stdout: false, stderr: false });
      if (spare) spare.postMessage({ init });
      w.on('message', (reply: WorkerReply) => this.onReply(reply));
      w.on('error', (err) => this.fail(new PoolError(`a scan worker thread failed: ${err.message}`, { cause: err })));
      w.on('messageerror', (err) => this.fail(new PoolError(`a scan worker thread sent an unreadable message: ${err.message}`)));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(new PoolError(`a scan worker thread stopped unexpectedly (exit code ${code})`));
      });
      this.workers.push(w);
      this.load.push(0);
    }
    this.load.push(0);
    this.takers = opts.here === false && this.workers.length > 0 ? this.workers.length : this.load.length;
    this.batchSize = batchSizeFor(this.workers.length);
    this.local = {
      ruleset: opts.ruleset,
      plan: opts.plan,
      decode: opts.decode,
      maxFileSize: opts.maxFileSize,
      buffer: taskBuffer(opts.plan),
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
  }

  /** Read and scan a batch of files on the least busy worker; results in the batch's order. */
  run(tasks: WorkerTask[], onResult?: OnResult): Promise<TaskResult[][]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new PoolClosed());
    let w = 0;
    for (let i = 1; i < this.takers; i++) if (this.load[i]! < this.load[w]!) w = i;
    this.load[w]!++;
    if (w === this.workers.length) return this.runHere(tasks, onResult);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker: w, resolve, reject, ...(onResult ? { onResult } : {}) });
      const req: WorkerRequest = { id, tasks };
      this.workers[w]!.postMessage(req, movable(tasks));
    });
  }

  /**
   * A batch on this thread, after the batches before it and a turn of the event loop (so replies and
   * the walk go on between batches). Its errors fail the pool as a worker's do.
   */
  private runHere(tasks: WorkerTask[], onResult?: OnResult): Promise<TaskResult[][]> {
    const w = this.workers.length;
    const p = this.localChain.then(async () => {
      // A turn of the event loop every few milliseconds (replies, the walk, Ctrl-C), not per batch.
      if (performance.now() - this.lastTurn > 8) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.lastTurn = performance.now();
      }
      if (this.failure) throw this.failure;
      if (this.closed) throw new PoolClosed();
      const results: TaskResult[][] = [];
      for (const t of tasks) {
        const r = runTask(t, this.local);
        const done = r instanceof Promise ? await r : r;
        onResult?.(results.length, done);
        results.push(done);
      }
      return results;
    });
    this.localChain = p.catch(() => {});
    return p.then(
      (r) => {
        this.load[w]!--;
        return r;
      },
      (err: unknown) => {
        this.load[w]!--;
        if (!(err instanceof PoolClosed)) this.fail(isUserError(err) ? err : new PoolError(`scanning failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
        throw this.failure ?? err;
      },
    );
  }

  private onReply(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    if ('partial' in reply) {
      reply.partial.forEach((r, k) => p.onResult?.(reply.from + k, r));
      return;
    }
    this.pending.delete(reply.id);
    this.load[p.worker]!--;
    if ('error' in reply) {
      // A user-facing error (a UserError) keeps its one-line message and kind.
      this.fail(reply.user ? userError(reply.user) : new PoolError(`a scan worker thread failed: ${reply.error}`));
      p.reject(this.failure!);
      return;
    }
    p.resolve(reply.results);
  }

  private fail(e: Error): void {
    if (this.closed && !this.failure) return;
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    this.close();
  }

  /** Stop every worker at once (also one busy in a big file); pending batches reject with PoolClosed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new PoolClosed());
    this.pending.clear();
    for (const w of this.workers) void w.terminate().catch(() => {});
  }
}

/** What every worker-backed source takes. */
export interface WorkerScanOptions {
  ruleset: RuleSet;
  /** Must be the pipeline's plan (default: the rules' plan, as the pipeline's default). */
  plan?: ChunkPlan;
  decode?: boolean;
  /** Worker threads beside this one (0: none, this one scans). Default: defaultThreads(). */
  threads?: number;
  /** Default: the bundled dist/scan-worker.js. */
  workerUrl?: URL | string;
  /** Ctrl-C: stop the workers at once. */
  signal?: AbortSignal;
  maxFileSize?: number;
  /** Whether this thread scans batches too when there are workers (default true; see PoolOptions). */
  here?: boolean;
}

/** What the pipeline needs of a pool: batches run, results in order (see ScanPool). */
export interface Pool {
  readonly batchSize: number;
  run(tasks: WorkerTask[], onResult?: OnResult): Promise<TaskResult[][]>;
}

/**
 * Runs `body` with a pool and yields what it yields. The pool (and its workers) starts at the first
 * batch: a stream that brings none (every event already scanned) starts no thread. Ctrl-C closes the
 * pool at once and the run ends quietly (the pipeline marks it incomplete); the pool is closed
 * however the run ends.
 */
export async function* withPool<T>(url: URL | string | undefined, opts: WorkerScanOptions, body: (pool: Pool) => AsyncIterable<T>): AsyncGenerator<T> {
  // No worker script (running from the sources): this thread alone, whatever was asked.
  const threads = url === undefined ? 0 : (opts.threads ?? defaultThreads());
  let pool: ScanPool | undefined;
  let closed = false;
  const start = (): ScanPool => {
    if (!pool) {
      pool = new ScanPool({
        threads,
        ...(opts.here !== undefined ? { here: opts.here } : {}),
        workerUrl: url,
        ruleset: opts.ruleset,
        plan: opts.plan ?? chunkPlanFor(opts.ruleset),
        decode: opts.decode,
        ...(opts.maxFileSize !== undefined ? { maxFileSize: opts.maxFileSize } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    }
    return pool;
  };
  const lazy: Pool = {
    batchSize: batchSizeFor(threads),
    // Closed (Ctrl-C) before the first batch: no workers are started just to be stopped.
    run: (tasks, onResult) => (closed ? Promise.reject(new PoolClosed()) : start().run(tasks, onResult)),
  };
  const onAbort = (): void => {
    closed = true;
    pool?.close();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    yield* body(lazy);
  } catch (err) {
    if (err instanceof PoolClosed && opts.signal?.aborted) return;
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    closed = true;
    pool?.close();
  }
}

/**
 * The buffers of a batch's content that may be moved to the worker instead of copied: those of
 * tasks marked `move` (content read for that task alone, SourceItem.owned) whose buffer holds
 * exactly that content. Moving leaves the buffer empty on this thread.
 */
function movable(tasks: readonly WorkerTask[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const t of tasks) {
    if (!('content' in t) || !t.move || typeof t.content === 'string') continue;
    const b = t.content.buffer;
    if (b instanceof ArrayBuffer && t.content.byteOffset === 0 && t.content.byteLength === b.byteLength && !out.includes(b)) out.push(b);
  }
  return out;
}
