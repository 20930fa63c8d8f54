/**
 * What a scan worker thread does for one walked file: open it (never following a symlink, never
 * blocking on a FIFO or device), read it with synchronous reads into one reused buffer, and run the
 * same reading part of the pipeline (`readItem`: decoding, binary sniffing, chunked windows for big
 * files) the single-thread path runs. Only the matches and the lines around them go back.
 *
 * Same semantics as src/sources/files.ts `readRegularFile`: O_NOFOLLOW | O_NONBLOCK, fstat on the
 * open descriptor (a FIFO swapped in after the walk is refused, not read), --max-file-size, files
 * larger than one chunk read in windows with the rule-derived overlap.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { Match, RuleSet } from '../core/types.js';
import { readItem, readWhole, type ChunkPlan, type ReadResult } from '../read.js';
import { rawPaths } from '../sources/files.js';
import type { ByteStream, SkipReason } from '../sources/types.js';

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);
const REPLACEMENT = '\uFFFD';

/** One walked file to read, as the main thread sends it. */
export interface FileTask {
  /** Absolute path. */
  abs: string;
  /** As reported. */
  path: string;
}

/** Content already read (a git blob, a commit message): only decoded and scanned. */
export interface ContentTask {
  path: string;
  content: Uint8Array | string;
  /** Its buffer may be moved to the worker instead of copied (SourceItem.owned). */
  move?: boolean;
}

export type WorkerTask = FileTask | ContentTask;

/**
 * What reading one file gave: matches (with the lines around them), a skip, or — for text without a
 * match, most files — just the number of bytes read (one number crosses threads cheaply).
 */
export type TaskResult =
  | { kind: 'text'; path: string; bytes: number; matches: Match[]; lines: [number, string][]; note?: string }
  | { kind: 'skip'; path: string; reason: SkipReason; detail: string }
  | number;

export interface TaskContext {
  ruleset: RuleSet;
  plan: ChunkPlan;
  decode?: boolean;
  maxFileSize?: number;
  /** Reused for every file that fits one chunk: plan.chunkSize + 1 bytes (one more tells a file that grew). */
  buffer: Buffer;
  /** Ctrl-C, for tasks run on the main thread (a worker is terminated instead): stops a big file's windows. */
  signal?: AbortSignal;
}

export function taskBuffer(plan: ChunkPlan): Buffer {
  return Buffer.allocUnsafe(plan.chunkSize + 1);
}

function failure(path: string, err: unknown): TaskResult {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ELOOP') return { kind: 'skip', path, reason: 'symlink', detail: 'symbolic link: not followed' };
  return { kind: 'skip', path, reason: 'unreadable', detail: `cannot read: ${e.code ?? e.message}` };
}

/**
 * A big file read from its open descriptor, `chunkSize` bytes at a time, from the start. Between
 * chunks the event loop gets a turn (on the main thread that is when Ctrl-C is seen), and an
 * aborted `signal` ends the reading.
 */
function fdStream(fd: number, size: number): ByteStream {
  return {
    size,
    async *chunks(chunkSize: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
      for (let pos = 0; ; ) {
        if (signal?.aborted) return;
        const buf = Buffer.allocUnsafe(chunkSize);
        const n = readSync(fd, buf, 0, chunkSize, pos);
        if (n === 0) return;
        pos += n;
        yield buf.subarray(0, n);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
  };
}

/**
 * Read and scan one path (a string, or the raw bytes of a name that is not valid UTF-8). A file that
 * fits in one window is done at once (no promise); a bigger one is scanned as a stream.
 */
function readOne(p: string | Buffer, path: string, ctx: TaskContext): TaskResult | Promise<TaskResult> {
  let fd: number;
  try {
    fd = openSync(p, OPEN_FLAGS);
  } catch (err) {
    return failure(path, err);
  }
  let open = true;
  try {
    let content: Uint8Array | ByteStream;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return { kind: 'skip', path, reason: 'special', detail: 'not a regular file' };
      if (ctx.maxFileSize !== undefined && st.size > ctx.maxFileSize) {
        return { kind: 'skip', path, reason: 'too-large', detail: `skipped: too large (${st.size} bytes > --max-file-size ${ctx.maxFileSize})` };
      }
      const chunk = ctx.plan.chunkSize;
      if (st.size > chunk) {
        content = fdStream(fd, st.size);
      } else {
        const buf = ctx.buffer;
        let n = 0;
        // Until end of file; a file fstat gave a size is done at that size (no read just to see the
        // end), one with size 0 (procfs, some FUSE) only at a read of nothing.
        for (;;) {
          const r = readSync(fd, buf, n, buf.length - n, n);
          if (r === 0) break;
          n += r;
          if (n === buf.length || (st.size > 0 && n >= st.size)) break;
        }
        // A file that grew past one chunk since fstat is read as a stream, as a big file would be.
        content = n > chunk ? fdStream(fd, st.size) : buf.subarray(0, n);
      }
    } catch (err) {
      return failure(path, err);
    }
    // Not inside the inner try: an error in detection is a bug, never a skip (it fails the run).
    if (content instanceof Uint8Array) {
      const whole = scanWhole(path, content, ctx);
      if (whole !== undefined) return whole;
      // An archive (opened asynchronously): the reused buffer is the next file's.
      content = Buffer.from(content);
    }
    open = false;
    const descriptor = fd;
    return scanContent(path, content, ctx).finally(() => closeSync(descriptor));
  } finally {
    if (open) closeSync(fd);
  }
}

/** What goes back for a read item: a clean one as its byte count; else its matches and their lines. */
function taskResult(path: string, r: ReadResult): TaskResult {
  if (r.kind === 'skip') return { kind: 'skip', path, reason: r.reason, detail: r.detail };
  if (r.matches.length === 0 && r.note === undefined) return r.bytes;
  const lines = new Map<number, string>();
  for (const m of r.matches) {
    for (let l = Math.max(1, m.line - 1); l <= m.line + 1; l++) if (!lines.has(l)) lines.set(l, r.lineText(l));
  }
  return { kind: 'text', path, bytes: r.bytes, matches: r.matches, lines: [...lines], ...(r.note !== undefined ? { note: r.note } : {}) };
}

/** The pipeline's reading part (readItem) on content; the lines around each match go back with it. */
async function scanContent(path: string, content: Uint8Array | string | ByteStream, ctx: TaskContext): Promise<TaskResult> {
  return taskResult(path, await readItem({ kind: 'item', path, content }, ctx.ruleset, { decode: ctx.decode, plan: ctx.plan, ...(ctx.signal ? { signal: ctx.signal } : {}) }));
}

/** scanContent for content that fits in one window, at once; undefined for bigger content. */
function scanWhole(path: string, content: Uint8Array | string, ctx: TaskContext): TaskResult | undefined {
  const r = readWhole(content, path, ctx.ruleset, ctx);
  return r === undefined ? undefined : taskResult(path, r);
}

/**
 * Read and scan one walked file. A name that is not valid UTF-8 (Node shows each bad byte as
 * U+FFFD) is opened through its raw bytes: every raw file behind it is read, reported under the
 * decoded name.
 */
export function runTask(task: WorkerTask, ctx: TaskContext): TaskResult[] | Promise<TaskResult[]> {
  if ('content' in task) {
    const whole = scanWhole(task.path, task.content, ctx);
    return whole !== undefined ? [whole] : scanContent(task.path, task.content, ctx).then((r) => [r]);
  }
  const first = readOne(task.abs, task.path, ctx);
  if (first instanceof Promise) return first.then((r) => afterFirst(task.abs, task.path, r, ctx));
  return afterFirst(task.abs, task.path, first, ctx);
}

/** A name with U+FFFD that could not be opened: every raw file behind it is read instead. */
function afterFirst(abs: string, path: string, first: TaskResult, ctx: TaskContext): TaskResult[] | Promise<TaskResult[]> {
  if (!(typeof first !== 'number' && first.kind === 'skip' && first.reason === 'unreadable' && abs.includes(REPLACEMENT))) return [first];
  return (async () => {
    const out: TaskResult[] = [];
    for (const raw of await rawPaths(abs)) out.push(await readOne(raw, path, ctx));
    return out.length ? out : [first];
  })();
}
