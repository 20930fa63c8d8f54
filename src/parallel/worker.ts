/**
 * Entry point of a scan worker thread (bundled as dist/scan-worker.js). It compiles the rule specs
 * it is given (in its workerData, or as its first message when it was started early), then reads and scans the files of each batch the pool sends, one batch at a time,
 * and answers each batch with its results (or with the error that stopped it: the run fails).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileRules } from '../core/rules.js';
import type { RuleSpec } from '../core/types.js';
import type { ChunkPlan } from '../read.js';
import { isUserError } from '../errors.js';
import type { DEFERRED } from './spare.js';
import { runTask, taskBuffer, type WorkerTask, type TaskContext, type TaskResult } from './task.js';

export interface WorkerInit {
  specs: RuleSpec[];
  plan: ChunkPlan;
  decode?: boolean;
  maxFileSize?: number;
}

export type WorkerRequest = { id: number; tasks: WorkerTask[] };
/** `user`: the error was a UserError: its one-line message is what the user sees. */
export type WorkerReply =
  | { id: number; results: TaskResult[][] }
  /** Results of tasks `from`… of a batch still running (see PARTIAL_AFTER_MS); the full reply still follows. */
  | { id: number; from: number; partial: TaskResult[][] }
  | { id: number; error: string; user?: { name: string; message: string } };

/**
 * A batch still running after this long (a big file in it) sends what it has finished so far, at each
 * turn of this thread's event loop (between a big file's windows): Ctrl-C then keeps those files.
 */
const PARTIAL_AFTER_MS = 50;

const port = parentPort;
if (!port) throw new Error('scan-worker: not started as a worker thread');

function context(init: WorkerInit): TaskContext {
  return { ruleset: compileRules(init.specs), plan: init.plan, decode: init.decode, maxFileSize: init.maxFileSize, buffer: taskBuffer(init.plan) };
}

// Started early (src/parallel/spare.ts): the configuration comes as the first message.
const data = workerData as WorkerInit | typeof DEFERRED;
let ctx: TaskContext | undefined = 'specs' in data ? context(data) : undefined;

// Batches run one after another: they share one read buffer.
let chain: Promise<void> = Promise.resolve();
port.on('message', (req: WorkerRequest | { init: WorkerInit }) => {
  if ('init' in req) {
    ctx = context(req.init);
    return;
  }
  chain = chain.then(async () => {
    let reply: WorkerReply;
    const results: TaskResult[][] = [];
    let sent = 0;
    const flush = (): void => {
      if (results.length > sent) port.postMessage({ id: req.id, from: sent, partial: results.slice(sent) } satisfies WorkerReply);
      sent = results.length;
      timer.refresh();
    };
    const timer = setTimeout(flush, PARTIAL_AFTER_MS);
    try {
      if (!ctx) throw new Error('scan-worker: a batch came before the configuration');
      for (const t of req.tasks) {
        const r = runTask(t, ctx);
        results.push(r instanceof Promise ? await r : r);
      }
      reply = { id: req.id, results };
    } catch (err) {
      reply = {
        id: req.id,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        ...(isUserError(err) ? { user: { name: err.name, message: err.message } } : {}),
      };
    }
    clearTimeout(timer);
    port.postMessage(reply);
  });
});
