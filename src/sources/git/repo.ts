/**
 * Running git: one place that spawns the `git` binary, maps its failures to one-line GitErrors,
 * decodes `-z` path lists losslessly, and streams object contents through a long-lived
 * `git cat-file --batch`. Every command here is read-only: optional locks are off, so not even the
 * index's stat cache is refreshed.
 *
 * child_process rather than simple-git: every output we parse is NUL-separated binary-safe bytes
 * (paths may hold newlines or non-UTF-8 bytes, blobs may be binary), which simple-git returns as
 * decoded strings.
 */
import buffer from 'node:buffer';
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams, type StdioOptions } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { GitError } from '../../errors.js';
import { GIT_CONFIG, gitEnv, isNamedRepository, nameRepository, REV_PARSE_HEAD, REV_PARSE_REPO, takeEarly } from './early.js';
import type { ByteStream } from '../types.js';

/** Git children still running: killed if this process exits first (Ctrl-C, an error), never left behind. */
const running = new Set<ChildProcess>();
let exitHook = false;

/**
 * `git args…` in `cwd`, tracked in `running` until it closes. A failure to start, thrown at once or
 * told later as 'error', is a GitError (the latter is the caller's to turn into one).
 */
function spawnGit(cwd: string, args: readonly string[], stdio: StdioOptions = 'pipe'): ChildProcessWithoutNullStreams {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const c of running) c.kill();
    });
  }
  let c: ChildProcessWithoutNullStreams;
  try {
    c = spawn('git', [...GIT_CONFIG, ...args], { cwd, env: gitEnv(cwd), stdio }) as ChildProcessWithoutNullStreams;
  } catch (err) {
    throw spawnError(err, cwd);
  }
  running.add(c);
  const done = (): void => void running.delete(c);
  c.on('close', done);
  c.on('error', done);
  return c;
}

/** The one-line error of a git command that failed: what git said, else its exit code or signal. */
function gitFailed(cwd: string, args: readonly string[], status: number | string, stderr: string): GitError {
  const what = typeof status === 'number' ? `exit code ${status}` : `stopped by ${status}`;
  // The subcommand: the first argument that is not an option (nor a `-c` option's value).
  const sub = args.find((a, i) => !a.startsWith('-') && args[i - 1] !== '-c') ?? '';
  return new GitError(`git ${sub} failed in ${cwd}: ${firstLine(stderr) || what}`);
}

/** What a child writes to standard error (the first 4 KiB), for its error message. */
function stderrOf(c: ChildProcess): () => string {
  let s = '';
  c.stderr!.on('data', (b: Buffer) => {
    if (s.length < 4096) s += b.toString('utf8');
  });
  return () => s;
}

/** The one message for an object git cannot give: `what` names it for the user (a path, a ref). */
function missingObject(oid: string, what: string | undefined, cwd: string): GitError {
  return new GitError(`git object ${oid.slice(0, 12)}${what ? ` (${what})` : ''} is missing or corrupt; run \`git fsck\` in ${cwd}`);
}

export function firstLine(s: string): string {
  const lines = s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.find((l) => l.startsWith('fatal:')) ?? lines[0] ?? '').replace(/^(fatal|error):\s*/, '');
}

export interface GitRunOptions {
  /** Written to git's standard input. */
  input?: string | Buffer;
  /** Exit codes that are not failures (default: only 0). */
  okCodes?: readonly number[];
}

export interface GitRunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Run `git args…` in `cwd`; resolves with its output, or rejects with a one-line GitError. */
export function gitRun(cwd: string, args: readonly string[], opts: GitRunOptions = {}): Promise<GitRunResult> {
  /** The result of git's exit: its code (null: a signal) checked against okCodes. */
  const ended = (code: number | null, stdout: Buffer, stderrBytes: Buffer): GitRunResult => {
    const stderr = stderrBytes.toString('utf8');
    const c = code ?? 128;
    if (!(opts.okCodes ?? [0]).includes(c)) throw gitFailed(cwd, args, c, stderr);
    return { code: c, stdout, stderr };
  };
  // Started before the rest loaded (early.ts): the same call, only sooner.
  const early = opts.input === undefined ? takeEarly(cwd, args) : undefined;
  if (early) {
    return early.then((r) => {
      if (r.error) throw spawnError(r.error, cwd);
      return ended(r.code, r.stdout, r.stderr);
    });
  }
  return new Promise((resolve, reject) => {
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawnGit(cwd, args);
    } catch (err) {
      reject(err);
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(spawnError(e, cwd)));
    child.stdin.on('error', () => {
      /* git may exit before reading all input; its exit code tells */
    });
    child.on('close', (code) => {
      try {
        resolve(ended(code, Buffer.concat(out), Buffer.concat(err)));
      } catch (e) {
        reject(e);
      }
    });
    child.stdin.end(opts.input);
  });
}

/** Resolves with a git child's exit code, or the name of the signal that ended it; rejects when it could not start. */
function exitOf(c: ChildProcess, cwd: string): Promise<number | string> {
  const p = new Promise<number | string>((resolve, reject) => {
    c.on('error', (e) => reject(spawnError(e, cwd)));
    c.on('close', (code, signal) => resolve(code ?? signal ?? 'an unknown signal'));
  });
  p.catch(() => {}); // told by whoever awaits it
  return p;
}

/** A git process started now whose output is read later, piece by piece (see gitStarted). */
export interface StartedGit {
  /** The output as it comes; ends with a GitError when git fails (or cannot start). Read it once. */
  chunks(): AsyncGenerator<Buffer>;
  /** What git wrote to standard error so far (the first 4 KiB). */
  stderr(): string;
}

/**
 * `git args…` started at once. Its output is read ahead, as it comes, up to `readAhead` bytes
 * (default none), also while `chunks()` is read: past that git waits on a full pipe until the reader
 * catches up. So git works while the caller does other things, and output of any size costs at
 * most `readAhead` plus what the reader keeps. `refused` is shown git's error output when it failed
 * before writing anything (an option this git lacks): when it returns true, the output just ends,
 * with no error.
 */
export function gitStarted(
  cwd: string,
  args: readonly string[],
  opts: { input?: string; readAhead?: number; refused?: (stderr: string) => boolean } = {},
): StartedGit {
  const child = spawnGit(cwd, args);
  const stderr = stderrOf(child);
  // Until its output is read, git does not hold this process open: a run that ends first (an error
  // before annotate reads the log) exits, and git, waiting on a full pipe, is killed on the way out.
  const hold = (on: boolean): void => {
    for (const h of [child, child.stdout, child.stderr] as { ref(): unknown; unref(): unknown }[]) {
      if (on) h.ref();
      else h.unref();
    }
  };
  hold(false);
  const ahead: Buffer[] = [];
  let aheadBytes = 0;
  let ended = false;
  let wake: (() => void) | undefined;
  const limit = opts.readAhead ?? 0;
  if (limit > 0) {
    child.stdout.on('data', (c: Buffer) => {
      ahead.push(c);
      aheadBytes += c.length;
      if (aheadBytes >= limit) child.stdout.pause();
      wake?.();
    });
    // 'close' rather than 'end': it also comes when the stream fails.
    child.stdout.on('close', () => {
      ended = true;
      wake?.();
    });
  }
  const closed = exitOf(child, cwd);
  child.stdin.on('error', () => {
    /* git may exit before reading all input; its exit code tells */
  });
  child.stdin.end(opts.input);
  /** The read-ahead output as it comes: taking a piece lets git go on once under the bound again. */
  async function* fromAhead(): AsyncGenerator<Buffer> {
    for (;;) {
      const c = ahead.shift();
      if (c !== undefined) {
        aheadBytes -= c.length;
        if (aheadBytes < limit && child.stdout.isPaused()) child.stdout.resume();
        yield c;
        continue;
      }
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  }
  return {
    stderr,
    async *chunks(): AsyncGenerator<Buffer> {
      hold(true);
      try {
        let any = false;
        for await (const c of limit > 0 ? fromAhead() : (child.stdout as AsyncIterable<Buffer>)) {
          any = true;
          yield c;
        }
        const code = await closed;
        if (code !== 0 && !(!any && opts.refused?.(stderr()))) throw gitFailed(cwd, args, code, stderr());
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill();
      }
    },
  };
}

function spawnError(err: unknown, cwd: string): GitError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return new GitError(`cannot run git: is git installed and on PATH? (or ${cwd} does not exist)`);
  return new GitError(`cannot run git: ${e.message}`);
}

/** `git args…` → stdout as UTF-8 text without the trailing newline. */
export async function gitText(cwd: string, args: readonly string[], opts?: GitRunOptions): Promise<string> {
  const r = await gitRun(cwd, args, opts);
  return r.stdout.toString('utf8').replace(/\n$/, '');
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decode bytes from git (paths from `-z` output) without losing any: valid UTF-8 decodes as usual,
 * each byte of an invalid sequence becomes a lone surrogate U+DC80–U+DCFF (Python's
 * "surrogateescape"). JSON.stringify writes those as `\udcXX` escapes, so a path is reported exactly.
 */
export function decodePath(bytes: Uint8Array): string {
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  if (!s.includes('\ufffd')) return s;
  // Slow path: walk the bytes, validating each UTF-8 sequence.
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let n = 0;
    if (b < 0x80) n = 1;
    else if (b >= 0xc2 && b <= 0xdf) n = 2;
    else if (b >= 0xe0 && b <= 0xef) n = 3;
    else if (b >= 0xf0 && b <= 0xf4) n = 4;
    let valid = n > 0 && i + n <= bytes.length;
    for (let k = 1; valid && k < n; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) valid = false;
    if (valid && n > 1) {
      try {
        out += STRICT_UTF8.decode(bytes.subarray(i, i + n));
        i += n;
        continue;
      } catch {
        valid = false;
      }
    }
    if (valid) {
      out += String.fromCharCode(b);
      i += 1;
      continue;
    }
    out += String.fromCharCode(0xdc00 + b);
    i += 1;
  }
  return out;
}

/**
 * The fields of a byte stream cut at `sep` (a newline, a NUL) however its chunks fall: `each` gets
 * each field as soon as it is whole, and `end()` gives the last one when no separator ends it;
 * `rest()` tells whether such a last one is waiting (for a stream where it would be cut off).
 */
export function fieldSplitter(sep: number, each: (field: Buffer) => void): { push(chunk: Buffer): void; end(): void; rest(): boolean } {
  let carry: Buffer | undefined;
  return {
    push(chunk) {
      const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let i = buf.indexOf(sep); i !== -1; i = buf.indexOf(sep, start)) {
        each(buf.subarray(start, i));
        start = i + 1;
      }
      carry = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
    },
    end() {
      if (carry) each(carry);
      carry = undefined;
    },
    rest: () => carry !== undefined,
  };
}

/** Split a `-z` output into fields (a trailing NUL does not make an empty last field). */
export function splitNul(buf: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (;;) {
    const i = buf.indexOf(0, start);
    if (i < 0) break;
    parts.push(buf.subarray(start, i));
    start = i + 1;
  }
  if (start < buf.length) parts.push(buf.subarray(start));
  return parts;
}

/** Every blob of a tree, recursively (a symbolic link is a blob; a submodule is not): mode, id, path. */
export async function treeBlobs(cwd: string, treeish: string): Promise<{ mode: string; oid: string; path: string }[]> {
  const r = await gitRun(cwd, ['ls-tree', '-r', '-z', '--full-tree', treeish]);
  const out: { mode: string; oid: string; path: string }[] = [];
  for (const rec of splitNul(r.stdout)) {
    const m = /^(\d+) blob ([0-9a-f]+)\t/.exec(rec.toString('latin1'));
    if (m) out.push({ mode: m[1]!, oid: m[2]!, path: decodePath(rec.subarray(rec.indexOf(9) + 1)) });
  }
  return out;
}

/** Facts about a repository every git source needs. */
export interface RepoInfo {
  /** The directory git commands run in (the top of the work tree, or the git dir of a bare repo). */
  cwd: string;
  /** Top of the work tree (undefined in a bare repository). */
  root?: string;
  /** Object id of the empty tree in this repository's hash (SHA-1 or SHA-256). */
  emptyTree: string;
  /** Hex length of object ids (40 or 64). */
  hashLength: number;
  /** Commit HEAD points at, or undefined when the branch is unborn (no commits yet). */
  head?: string;
  shallow: boolean;
  /** This work tree's git directory (per-worktree state such as MERGE_HEAD lives there). */
  gitDir: string;
}

/** The empty tree's object id, a constant of each object format (git hash-object -t tree /dev/null). */
const EMPTY_TREE: Readonly<Record<string, string>> = {
  sha1: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  sha256: '6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321',
};

/** Open the repository containing `cwd`, or throw a GitError saying it is not one. */
export async function openRepo(cwd: string): Promise<RepoInfo> {
  // One rev-parse for what a scan needs to know, and HEAD's commit asked for at the same time (the
  // hook runs this on every commit: spawns count, and these two need not wait for each other).
  const headP = gitRun(cwd, REV_PARSE_HEAD, { okCodes: [0, 1, 128] });
  headP.catch(() => {}); // seen below, once the repository is known to be one
  const r = await gitRun(cwd, REV_PARSE_REPO, {
    okCodes: [0, 128],
  }).catch((e) => {
    throw e instanceof GitError ? e : new GitError(String(e));
  });
  const [bare, shallow, format, gitDir, top] = r.stdout.toString('utf8').split('\n');
  // A bare repository (a mirror to audit) answers all but the last: it has no work tree to show.
  if (r.code !== 0 && !(bare === 'true' && gitDir)) {
    const msg = firstLine(r.stderr);
    throw new GitError(/not a git repository/i.test(msg) ? `${cwd} is not inside a git repository` : `cannot open the git repository at ${cwd}: ${msg}`);
  }
  const root = bare === 'true' ? undefined : top || undefined;
  const dir = root ?? cwd;
  // A named repository's later calls run in its top: they too leave the environment's location out.
  if (isNamedRepository(cwd)) nameRepository(dir);
  const known = EMPTY_TREE[format ?? ''];
  const [emptyTree, headR] = await Promise.all([known ?? gitText(dir, ['hash-object', '-t', 'tree', '--stdin'], { input: '' }), headP]);
  // 1: no commit yet; 128 in a repository that opened: something is wrong with HEAD (fail closed).
  if (headR.code === 128) throw new GitError(`git rev-parse HEAD failed in ${dir}: ${firstLine(headR.stderr)}`);
  const head = headR.code === 0 ? headR.stdout.toString('utf8').trim() : undefined;
  return { cwd: dir, root, emptyTree, hashLength: emptyTree.length, head, shallow: shallow === 'true', gitDir: gitDir! };
}

/** The shallow boundary: commits whose parents this clone does not have. */
export async function shallowCommits(repo: RepoInfo): Promise<Set<string>> {
  if (!repo.shallow) return new Set();
  const file = await gitText(repo.cwd, ['rev-parse', '--path-format=absolute', '--git-path', 'shallow']);
  const text = await readFile(file, 'utf8').catch(() => '');
  return new Set(text.split('\n').filter(Boolean));
}

/** The message every "history is missing" error ends with. */
export const UNSHALLOW_HINT =
  'fetch the missing history first: `git fetch --unshallow` (or `git fetch --deepen=N`); in GitHub Actions set `fetch-depth: 0` on actions/checkout';

export interface GitObject {
  oid: string;
  type: string;
  size: number;
  /** Undefined for a blob larger than BIG_BLOB: read past, to be read as a stream (blobStream). */
  content: Buffer | undefined;
}

/**
 * Blobs larger than this are never held whole: `cat-file --batch` reads past them and they are read
 * as a stream of their own (blobStream), scanned in windows like a big file. Diffs treat them as
 * binary (`core.bigFileThreshold`: git does not diff them, which takes memory of twice their size in
 * git) and the whole new version is scanned.
 */
export const BIG_BLOB = 16 << 20;

/** A blob's content read by its own `git cat-file blob` when scanned; fails closed (GitError) when git fails or gives another size. */
export function blobStream(cwd: string, oid: string, size: number): ByteStream {
  return {
    size,
    async *chunks(chunkSize: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
      let got = 0;
      for await (const c of gitStarted(cwd, ['cat-file', 'blob', oid]).chunks()) {
        if (signal?.aborted) return;
        got += c.length;
        for (let i = 0; i < c.length; i += chunkSize) yield c.subarray(i, i + chunkSize);
      }
      if (got !== size) throw new GitError(`git cat-file blob ${oid.slice(0, 12)} in ${cwd} gave ${got} bytes, not ${size}`);
    },
  };
}

interface Pending {
  oid: string;
  resolve: (o: GitObject | null) => void;
  reject: (e: Error) => void;
}

/**
 * A long-lived `git cat-file --batch`: ask for object ids, get their contents back in order.
 * Requests may be pipelined (call get() many times before awaiting); objects are copied once into
 * a buffer of their exact size, but for a blob larger than BIG_BLOB, which is read past (see blobStream).
 */
export class CatFile {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly queue: Pending[] = [];
  private readonly parser: BatchParser;
  private readonly stderr: () => string;
  private failed: Error | undefined;
  private closed = false;

  constructor(readonly cwd: string) {
    this.parser = new BatchParser(cwd, (type, size) => type !== 'blob' || size <= BIG_BLOB, undefined, 'give');
    this.child = spawnGit(cwd, ['cat-file', '--batch']);
    this.stderr = stderrOf(this.child);
    this.child.stdout.on('data', (c: Buffer) => {
      let objects: StreamedObject[];
      try {
        objects = this.parser.push(c);
      } catch (err) {
        this.fail(err as Error);
        this.child.kill();
        return;
      }
      for (const o of objects) this.queue.shift()?.resolve(o.type === 'missing' ? null : { oid: o.oid, type: o.type, size: o.size, content: o.content });
    });
    this.child.stdin.on('error', () => {
      /* reported through 'close' */
    });
    this.child.on('error', (e) => this.fail(spawnError(e, cwd)));
    this.child.on('close', (code) => {
      this.closed = true;
      if (this.queue.length) {
        this.fail(new GitError(`git cat-file stopped (exit code ${code}) in ${this.cwd}: ${firstLine(this.stderr()) || 'no message'}`));
      }
    });
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const p of this.queue.splice(0)) p.reject(this.failed);
  }

  /** Contents of an object, or null when the object is missing or unreadable (corrupt). */
  get(oid: string): Promise<GitObject | null> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new GitError('git cat-file is closed'));
    if (!/^[0-9a-f]+$/.test(oid)) return Promise.reject(new GitError(`not an object id: ${JSON.stringify(oid)}`));
    return new Promise((resolve, reject) => {
      this.queue.push({ oid, resolve, reject });
      // Requests made in one tick go to git in one write (a write per object costs more than git's read).
      if (this.requests === '') queueMicrotask(() => this.flush());
      this.requests += `${oid}\n`;
    });
  }

  private requests = '';

  private flush(): void {
    const r = this.requests;
    this.requests = '';
    if (r && !this.closed) this.child.stdin.write(r);
  }

  /** Like get(), but a missing or corrupt object is a GitError naming it. */
  async must(oid: string, what: string): Promise<GitObject> {
    const o = await this.get(oid);
    if (!o) throw missingObject(oid, what, this.cwd);
    return o;
  }

  close(): void {
    this.flush();
    if (!this.closed) this.child.stdin.end();
  }
}

/** A pointer's lines: an extension's is `ext-<priority digit>-<name> sha256:<oid>` (nothing else can hold a value). */
const LFS_LINE = /^(?:version https:\/\/git-lfs\.github\.com\/spec\/v\d+|oid sha256:[0-9a-f]{64}|size \d+|ext-\d-[a-z0-9]{1,32} sha256:[0-9a-f]{64})$/;

/**
 * Git LFS pointer files hold a pointer, not the content; they are skipped with reason `lfs-pointer`.
 * Only a real pointer is (as Git LFS parses one): under 1 KiB, its version line first, an oid and a
 * size, and no other line — so a line added to a pointer-looking file is scanned, never hidden.
 */
export function isLfsPointer(content: Uint8Array): boolean {
  if (content.byteLength > 1024) return false;
  const text = Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('latin1');
  if (!text.startsWith('version https://git-lfs.github.com/spec/') || !text.endsWith('\n')) return false;
  const lines = text.slice(0, -1).split('\n');
  return lines.every((l) => LFS_LINE.test(l)) && lines.some((l) => l.startsWith('oid ')) && lines.some((l) => l.startsWith('size '));
}

export const MODE_GITLINK = '160000';
export const MODE_SYMLINK = '120000';

/** One object of a `catStream`: what git listed it with (`rest`: a path, raw) and its content. */
export interface StreamedObject {
  oid: string;
  type: string;
  size: number;
  /** The rest of its listing line after the id and one space (the path `rev-list --objects` gives), raw. */
  rest: Buffer;
  /**
   * In a buffer of its own (a worker can be given it without a copy); undefined when `keep` said no
   * (read past, not kept).
   */
  content: Buffer | undefined;
}

/** Until `w` can take more, or is gone. */
function writable(w: NodeJS.WritableStream & { destroyed: boolean }): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      w.off('drain', done);
      w.off('close', done);
      resolve();
    };
    w.on('drain', done);
    w.on('close', done);
  });
}

/** The largest content kept in memory (a bigger blob is read past: see StreamedObject.content). */
const MAX_KEPT = Math.min(buffer.constants.MAX_LENGTH, 2 ** 32);
const NO_REST = Buffer.alloc(0);

/**
 * The output of `git cat-file --batch` (`<id> <type> <size>`, the content, a newline), parsed as it
 * comes in pieces of any size: `push` gives the objects each piece completes, `end` checks that
 * nothing was cut off. `nextRest` gives each object, in order, the rest of the line it was listed
 * with. Pure; the GitErrors it throws never quote the stream (it holds file contents).
 */
export class BatchParser {
  private head: Buffer | undefined; // a header line split across pieces
  private obj: StreamedObject | undefined; // the object whose content is coming
  private got = 0;
  /** Set when `obj`'s content has all come and its newline has not. */
  private needNewline = false;

  /**
   * `missing`: give a missing or ambiguous object as one of type `missing` with no content (CatFile
   * answers null for it) instead of throwing.
   */
  constructor(
    private readonly cwd: string,
    private readonly keep: (type: string, size: number) => boolean = () => true,
    private readonly nextRest: () => Buffer = () => NO_REST,
    private readonly missing: 'throw' | 'give' = 'throw',
  ) {}

  push(chunk: Buffer): StreamedObject[] {
    const out: StreamedObject[] = [];
    let p = 0;
    while (p < chunk.length) {
      const obj = this.obj;
      if (obj === undefined) {
        const nl = chunk.indexOf(10, p);
        if (nl < 0) {
          this.head = this.head ? Buffer.concat([this.head, chunk.subarray(p)]) : Buffer.from(chunk.subarray(p));
          break;
        }
        const line = this.head ? Buffer.concat([this.head, chunk.subarray(p, nl)]) : chunk.subarray(p, nl);
        this.head = undefined;
        p = nl + 1;
        const o = this.header(line);
        if (o.type === 'missing') {
          out.push(o); // a missing object's line is all there is of it
          continue;
        }
        this.obj = o;
        this.got = 0;
        this.needNewline = this.obj.size === 0;
        continue;
      }
      if (!this.needNewline) {
        const k = Math.min(obj.size - this.got, chunk.length - p);
        if (obj.content) chunk.copy(obj.content, this.got, p, p + k);
        this.got += k;
        p += k;
        this.needNewline = this.got === obj.size;
        continue;
      }
      if (chunk[p] !== 10) throw new GitError(`unexpected output from git cat-file in ${this.cwd}: no newline after object ${obj.oid.slice(0, 12)}`);
      p++;
      out.push(obj);
      this.obj = undefined;
      this.needNewline = false;
    }
    return out;
  }

  /** Throws when the stream stopped in the middle of an object or a header. */
  end(): void {
    if (this.obj !== undefined || this.head !== undefined) throw new GitError(`git cat-file's output ended in the middle of an object in ${this.cwd}`);
  }

  private header(line: Buffer): StreamedObject {
    const a = line.indexOf(32);
    const b = a < 0 ? -1 : line.indexOf(32, a + 1);
    const oid = line.toString('latin1', 0, a < 0 ? line.length : a);
    const type = a < 0 ? '' : line.toString('latin1', a + 1, b < 0 ? line.length : b);
    const rest = this.nextRest();
    if (type === 'missing' || type === 'ambiguous') {
      if (this.missing === 'throw') throw missingObject(oid, rest.length ? decodePath(rest) : undefined, this.cwd);
      return { oid, type: 'missing', size: 0, rest, content: undefined };
    }
    const size = b < 0 ? NaN : Number(line.toString('latin1', b + 1));
    if (!/^[0-9a-f]{40,64}$/.test(oid) || !Number.isSafeInteger(size) || size < 0) {
      throw new GitError(`unexpected output from git cat-file in ${this.cwd}: not an object header`);
    }
    const kept = size <= MAX_KEPT && this.keep(type, size);
    return { oid, type, size, rest, content: kept ? Buffer.allocUnsafeSlow(size) : undefined };
  }
}

/**
 * The objects `git <listArgs…>` lists (one per line: an id, then optionally a space and a path),
 * with their contents, read through one `git cat-file --batch --buffer`: this thread hands each id
 * to it as the listing comes (keeping each line's rest, exact, for its object) and reads one stream
 * back, so git never waits for a request and nothing is asked object by object. Objects come in
 * groups, as git writes them; when the consumer pauses, so do cat-file, the ids handed to it and the
 * listing (memory stays bounded). Content that `keep` (given the object's type and size) refuses is
 * read past and not kept, as is content too large for one buffer. Fails closed: a missing object,
 * or either git failing, is a GitError naming what git said; `listFailed` is first shown the
 * listing's own error output when it failed before any object came (to fall back when it refused an
 * option this git lacks), and returns whether it did.
 */
export async function* catStream(
  cwd: string,
  listArgs: readonly string[],
  opts: { keep?: (type: string, size: number) => boolean; listFailed?: (stderr: string) => boolean } = {},
): AsyncGenerator<StreamedObject[]> {
  /** The rest of each listed line, in the order cat-file answers. */
  const rests: Buffer[] = [];
  const parser = new BatchParser(cwd, opts.keep, () => rests.shift() ?? NO_REST);
  const children: ChildProcess[] = [];
  let count = 0;
  let cutOff = false;
  try {
    const list = spawnGit(cwd, listArgs, ['ignore', 'pipe', 'pipe']);
    children.push(list);
    const listErr = stderrOf(list);
    const listed = exitOf(list, cwd);
    const cat = spawnGit(cwd, ['cat-file', '--batch=%(objectname) %(objecttype) %(objectsize)', '--buffer']);
    children.push(cat);
    const catErr = stderrOf(cat);
    const catted = exitOf(cat, cwd);
    cat.stdin.on('error', () => {
      /* cat-file stopped: told by its exit */
    });
    // Ids to cat-file as the listing comes; waits while cat-file's input is full.
    const feed = async (): Promise<void> => {
      const ids: string[] = [];
      const lines = fieldSplitter(10, (line) => {
        const sp = line.indexOf(32);
        const id = line.toString('latin1', 0, sp < 0 ? line.length : sp);
        if (!id) return;
        ids.push(id);
        rests.push(sp < 0 ? NO_REST : Buffer.from(line.subarray(sp + 1)));
      });
      for await (const chunk of list.stdout as AsyncIterable<Buffer>) {
        lines.push(chunk);
        if (ids.length && !cat.stdin.write(`${ids.join('\n')}\n`)) await writable(cat.stdin);
        ids.length = 0;
        if (cat.stdin.destroyed) return; // cat-file stopped: its exit says why
      }
      // A last line without its newline: the listing was cut off (never a prefix of an id sent on).
      cutOff = lines.rest();
      cat.stdin.end();
    };
    const fed = feed();
    fed.catch(() => cat.stdin.destroy()); // seen below as cat-file's or the listing's failure
    for await (const chunk of cat.stdout as AsyncIterable<Buffer>) {
      const out = parser.push(chunk);
      count += out.length;
      if (out.length) yield out;
    }
    // cat-file's own failure first: the listing is then left waiting, and killed below.
    const cc = await catted;
    if (cc !== 0) throw gitFailed(cwd, ['cat-file'], cc, catErr());
    // cat-file ended well, so it read its input to the end: the feed is done (a failure of its own
    // shows here, and the listing is killed below), and so is the listing's output.
    await fed;
    const lc = await listed;
    if (lc !== 0) {
      if (count === 0 && opts.listFailed?.(listErr())) return;
      throw gitFailed(cwd, listArgs, lc, listErr());
    }
    if (cutOff) throw new GitError(`git ${listArgs[0]}'s output in ${cwd} ended in the middle of a line`);
    parser.end();
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill();
  }
}
