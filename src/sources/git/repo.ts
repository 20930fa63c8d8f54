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
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { GitError } from '../../errors.js';

/** Environment for every git child: no prompts, no optional index writes, messages we can parse. */
function gitEnv(extra?: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_OPTIONAL_LOCKS: '0',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    ...extra,
  };
}

function firstLine(s: string): string {
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
  return new Promise((resolve, reject) => {
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn('git', args, { cwd, env: gitEnv(), stdio: 'pipe' });
    } catch (err) {
      reject(spawnError(err, cwd));
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
      const stderr = Buffer.concat(err).toString('utf8');
      const c = code ?? 128;
      const ok = opts.okCodes ?? [0];
      if (!ok.includes(c)) {
        reject(new GitError(`git ${args.find((a) => !a.startsWith('-')) ?? ''} failed in ${cwd}: ${firstLine(stderr) || `exit code ${c}`}`));
        return;
      }
      resolve({ code: c, stdout: Buffer.concat(out), stderr });
    });
    child.stdin.end(opts.input);
  });
}

/**
 * `git args…` as its output comes: groups of lines (bytes, without the newline), so a long listing
 * is used while git still writes it. Rejects like gitRun when git fails (after the lines it wrote).
 */
export async function* gitLines(cwd: string, args: readonly string[]): AsyncGenerator<Buffer[]> {
  const child = spawn('git', args, { cwd, env: gitEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', (e) => reject(spawnError(e, cwd)));
    child.on('close', (code) => resolve(code ?? 128));
  });
  exited.catch(() => {});
  let rest: Buffer | undefined;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
      const lines: Buffer[] = [];
      let start = 0;
      for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
        lines.push(buf.subarray(start, nl));
        start = nl + 1;
      }
      rest = start < buf.length ? buf.subarray(start) : undefined;
      if (lines.length) yield lines;
    }
    if (rest) yield [rest];
    const code = await exited;
    if (code !== 0) {
      throw new GitError(`git ${args.find((a) => !a.startsWith('-')) ?? ''} failed in ${cwd}: ${firstLine(Buffer.concat(err).toString('utf8')) || `exit code ${code}`}`);
    }
  } finally {
    if (child.exitCode === null) child.kill();
  }
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
  const headP = gitRun(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { okCodes: [0, 1, 128] });
  headP.catch(() => {}); // seen below, once the repository is known to be one
  const r = await gitRun(cwd, ['rev-parse', '--is-bare-repository', '--is-shallow-repository', '--show-object-format', '--absolute-git-dir', '--show-toplevel'], {
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
  const { readFile } = await import('node:fs/promises');
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
  content: Buffer;
}

interface Pending {
  oid: string;
  resolve: (o: GitObject | null) => void;
  reject: (e: Error) => void;
}

/**
 * A long-lived `git cat-file --batch`: ask for object ids, get their contents back in order.
 * Requests may be pipelined (call get() many times before awaiting); large objects are copied
 * once into a buffer of their exact size.
 */
export class CatFile {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly queue: Pending[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  private header: { oid: string; type: string; size: number } | undefined;
  private stderr = '';
  private failed: Error | undefined;
  private closed = false;

  constructor(private readonly cwd: string) {
    this.child = spawn('git', ['cat-file', '--batch'], { cwd, env: gitEnv(), stdio: 'pipe' });
    this.child.stdout.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.buffered += c.length;
      this.pump();
    });
    this.child.stderr.on('data', (c: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += c.toString('utf8');
    });
    this.child.stdin.on('error', () => {
      /* reported through 'close' */
    });
    this.child.on('error', (e) => this.fail(spawnError(e, cwd)));
    this.child.on('close', (code) => {
      this.closed = true;
      if (this.queue.length) {
        this.fail(new GitError(`git cat-file stopped (exit code ${code}) in ${this.cwd}: ${firstLine(this.stderr) || 'no message'}`));
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

  /** The next `n` bytes, copied (the chunks they come from are not kept alive). */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      // Most objects lie inside one chunk: no concatenation of what follows them.
      const out = Buffer.from(first.subarray(0, n));
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const all = Buffer.concat(this.chunks, this.buffered);
    const out = Buffer.from(all.subarray(0, n));
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  private findNewline(): number {
    let offset = 0;
    for (const c of this.chunks) {
      const i = c.indexOf(10);
      if (i >= 0) return offset + i;
      offset += c.length;
    }
    return -1;
  }

  private pump(): void {
    for (;;) {
      if (!this.header) {
        const nl = this.findNewline();
        if (nl < 0) return;
        const line = this.take(nl + 1).toString('utf8').trimEnd();
        const parts = line.split(' ');
        if (parts[1] === 'missing' || parts[1] === 'ambiguous') {
          this.queue.shift()?.resolve(null);
          continue;
        }
        const size = Number(parts[2]);
        if (parts.length !== 3 || !Number.isSafeInteger(size)) {
          this.fail(new GitError(`unexpected output from git cat-file: ${JSON.stringify(line.slice(0, 80))}`));
          this.child.kill();
          return;
        }
        this.header = { oid: parts[0]!, type: parts[1]!, size };
      }
      const h = this.header;
      if (this.buffered < h.size + 1) return;
      const content = this.take(h.size + 1).subarray(0, h.size);
      this.header = undefined;
      this.queue.shift()?.resolve({ oid: h.oid, type: h.type, size: h.size, content });
    }
  }

  /** Like get(), but a missing or corrupt object is a GitError naming it. */
  async must(oid: string, what: string): Promise<GitObject> {
    const o = await this.get(oid);
    if (!o) {
      throw new GitError(`git object ${oid.slice(0, 12)} (${what}) is missing or corrupt; run \`git fsck\` in ${this.cwd}`);
    }
    return o;
  }

  close(): void {
    this.flush();
    if (!this.closed) this.child.stdin.end();
  }
}

const LFS_LINE = /^(?:version https:\/\/git-lfs\.github\.com\/spec\/v\d+|oid sha256:[0-9a-f]{64}|size \d+|ext-\d+-[a-z0-9.-]+ \S+)$/;

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
  rest: Buffer;
  /**
   * In a buffer of its own (a worker can be given it without a copy); undefined when the object is
   * larger than `keepUpTo` (read past, not kept).
   */
  content: Buffer | undefined;
}

/**
 * The objects `git <listArgs…>` lists (one per line: an id, then optionally a space and a path),
 * with their contents. The listing goes straight into one `git cat-file --batch --buffer` through an
 * OS pipe (`%(rest)` gives back each line's path), and this reads one stream: git never waits for a
 * request, and nothing is asked object by object. Objects come in groups, as git writes them; reading
 * pauses while the consumer does (the pipe's back-pressure bounds memory). Content larger than
 * `keepUpTo` bytes is read past and not kept. Fails closed: a missing object, or either git failing,
 * is a GitError; `listFailed` gets the listing's error first (to fall back when it is an option this
 * git lacks) when no object came.
 */
export async function* catStream(
  cwd: string,
  listArgs: readonly string[],
  opts: { keepUpTo?: number; listFailed?: (err: GitError) => boolean } = {},
): AsyncGenerator<StreamedObject[]> {
  const keepUpTo = opts.keepUpTo ?? Number.MAX_SAFE_INTEGER;
  const env = gitEnv();
  const list = spawn('git', listArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const cat = spawn('git', ['cat-file', '--batch=%(objectname) %(objecttype) %(objectsize) %(rest)', '--buffer'], { cwd, env, stdio: [list.stdout, 'pipe', 'pipe'] });
  // Only cat-file reads the listing (as in a shell pipe): this process keeps no end of it.
  list.stdout.destroy();
  const stderr = (c: ChildProcess): (() => string) => {
    let s = '';
    c.stderr!.on('data', (b: Buffer) => {
      if (s.length < 4096) s += b.toString('utf8');
    });
    return () => s;
  };
  const listErr = stderr(list);
  const catErr = stderr(cat);
  const exit = (c: ChildProcess): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      c.on('error', (e) => reject(spawnError(e, cwd)));
      c.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  const listed = exit(list);
  const catted = exit(cat);
  listed.catch(() => {});
  catted.catch(() => {});

  let head: Buffer | undefined; // a header line split across chunks
  let obj: StreamedObject | undefined; // the object whose content is coming
  let got = 0;
  let count = 0;
  try {
    for await (const chunk of cat.stdout as AsyncIterable<Buffer>) {
      const out: StreamedObject[] = [];
      let p = 0;
      while (p < chunk.length) {
        if (obj === undefined) {
          const nl = chunk.indexOf(10, p);
          if (nl < 0) {
            head = head ? Buffer.concat([head, chunk.subarray(p)]) : Buffer.from(chunk.subarray(p));
            break;
          }
          const line = head ? Buffer.concat([head, chunk.subarray(p, nl)]) : chunk.subarray(p, nl);
          head = undefined;
          p = nl + 1;
          const a = line.indexOf(32);
          const b = a < 0 ? -1 : line.indexOf(32, a + 1);
          const c = b < 0 ? -1 : line.indexOf(32, b + 1);
          const oid = line.toString('latin1', 0, a < 0 ? line.length : a);
          const type = a < 0 ? '' : line.toString('latin1', a + 1, b < 0 ? line.length : b);
          if (type === 'missing' || type === 'ambiguous') {
            throw new GitError(`git object ${oid.slice(0, 12)} is missing or corrupt; run \`git fsck\` in ${cwd}`);
          }
          const size = b < 0 ? NaN : Number(line.toString('latin1', b + 1, c < 0 ? line.length : c));
          if (!Number.isSafeInteger(size) || size < 0) {
            throw new GitError(`unexpected output from git cat-file: ${JSON.stringify(line.toString('latin1', 0, 80))}`);
          }
          obj = { oid, type, size, rest: Buffer.from(line.subarray(c < 0 ? line.length : c + 1)), content: size <= keepUpTo ? Buffer.allocUnsafeSlow(size) : undefined };
          got = 0;
          continue;
        }
        if (got < obj.size) {
          const k = Math.min(obj.size - got, chunk.length - p);
          if (obj.content) chunk.copy(obj.content, got, p, p + k);
          got += k;
          p += k;
          continue;
        }
        p++; // the newline after the content
        out.push(obj);
        count++;
        obj = undefined;
      }
      if (out.length) yield out;
    }
    const [lc, cc] = await Promise.all([listed, catted]);
    if (lc !== 0) {
      const err = new GitError(`git ${listArgs[0]} failed in ${cwd}: ${firstLine(listErr()) || `exit code ${lc}`}`);
      if (count === 0 && opts.listFailed?.(err)) return;
      throw err;
    }
    if (cc !== 0 || obj !== undefined || head !== undefined) {
      throw new GitError(`git cat-file stopped (exit code ${cc}) in ${cwd}: ${firstLine(catErr()) || 'its output ended early'}`);
    }
  } finally {
    for (const c of [list, cat]) if (c.exitCode === null && c.signalCode === null) c.kill();
  }
}
