/**
 * Directory-tree source. Safe on hostile trees (a pull request from a stranger):
 * - never follows a symbolic link, also not one named on the command line (skipped with a warning):
 *   a link `x.env -> /proc/self/environ` gets nothing read, and link loops cannot occur;
 * - never opens anything but a regular file: the walk only lists folders (readdir with dirent types:
 *   it opens and stats nothing else), and every file is opened O_NOFOLLOW | O_NONBLOCK and checked
 *   with fstat, so a FIFO, socket or device — even one swapped in after the walk — never blocks;
 * - folders that cannot be listed and files that cannot be read are reported (warning), never
 *   silently dropped;
 * - files larger than one chunk are handed to the pipeline as a ByteStream and read in chunks,
 *   so memory stays bounded; at most `concurrency` files are open at once;
 * - every name is walked, also ones with a newline (fast-glob's `**` silently drops those, so the walk
 *   lists folders itself and matches no pattern);
 * - file names are data: never passed through a shell. Names that are not valid UTF-8 are read
 *   through their raw bytes and reported as Node decodes them (each invalid byte shown as U+FFFD).
 */
import fs, { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { DEFAULT_CHUNK_SIZE } from '../read.js';
import type { ByteStream, SourceEvent, SourceSkip } from './types.js';

export interface FileSourceOptions {
  /** Paths are reported relative to this directory. */
  cwd: string;
  /**
   * Relative (to cwd, `/` separators) path → true when the user's config ignores it. A folder it
   * matches is pruned: not listed at all, and counted as one `ignored` skip (not one per file
   * inside). So the predicate must also hold for everything below a folder it holds for, as
   * config globs do (a path matches when any folder above it matches).
   */
  ignore?: (relPath: string) => boolean;
  /** Files larger than this many bytes are skipped as too large. */
  maxFileSize?: number;
  /** How many files are read at once (and so the most files open at once). */
  concurrency?: number;
  /** Files up to this size are read whole; larger ones are streamed in chunks. Default 4 MiB. */
  chunkSize?: number;
}

/**
 * `toReportPath` for many paths under one `cwd`: a path inside it (the walk's case) is cut, not run
 * through path.relative.
 */
export function reportPaths(cwd: string): (abs: string) => string {
  const base = path.resolve(cwd);
  const prefix = base.endsWith(path.sep) ? base : base + path.sep;
  const slash = path.sep === '/';
  return (abs) => {
    if (abs.startsWith(prefix) && abs.length > prefix.length && !abs.includes(`${path.sep}..`) && !abs.includes(`${path.sep}.${path.sep}`)) {
      const rel = abs.slice(prefix.length);
      return slash ? rel : rel.split(path.sep).join('/');
    }
    return toReportPath(cwd, abs);
  };
}

export function toReportPath(cwd: string, abs: string): string {
  const rel = path.relative(cwd, abs);
  const p = rel === '' ? path.basename(abs) : rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
  return p.split(path.sep).join('/');
}

export const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);
const REPLACEMENT = '\uFFFD';

type FsPath = string | Buffer;

/**
 * The raw byte paths behind a path string that holds U+FFFD: Node decodes file names as UTF-8 and
 * replaces invalid bytes, so such a string cannot be opened. Each component with U+FFFD is matched
 * against its folder's raw listing (several raw names may decode alike: all are returned).
 */
export async function rawPaths(abs: string): Promise<Buffer[]> {
  if (!abs.includes(REPLACEMENT)) return [Buffer.from(abs)];
  const parts = abs.split(path.sep).filter((p) => p !== '');
  let bases: Buffer[] = [Buffer.from(path.sep)];
  for (const part of parts) {
    const next: Buffer[] = [];
    for (const base of bases) {
      const join = (name: Buffer): Buffer =>
        base[base.length - 1] === path.sep.charCodeAt(0) ? Buffer.concat([base, name]) : Buffer.concat([base, Buffer.from(path.sep), name]);
      if (!part.includes(REPLACEMENT)) {
        next.push(join(Buffer.from(part)));
        continue;
      }
      const names = await fsp.readdir(base, { encoding: 'buffer' }).catch(() => [] as Buffer[]);
      for (const n of names) if (n.toString('utf8') === part) next.push(join(n));
    }
    bases = next;
  }
  return bases;
}

type ReadFailure = { ok: false; reason: 'special' | 'too-large' | 'unreadable' | 'symlink'; detail: string };

function failure(err: unknown): ReadFailure {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ELOOP') return { ok: false, reason: 'symlink', detail: 'symbolic link: not followed' };
  return { ok: false, reason: 'unreadable', detail: `cannot read: ${e.code ?? e.message}` };
}

/** Open a regular file without following a symlink or blocking on a FIFO swapped in after the walk. */
async function openRegular(p: FsPath): Promise<{ ok: true; fh: fsp.FileHandle; st: fs.Stats } | ReadFailure> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(p, OPEN_FLAGS);
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      return { ok: false, reason: 'special', detail: 'not a regular file' };
    }
    return { ok: true, fh, st };
  } catch (err) {
    await fh?.close().catch(() => {});
    return failure(err);
  }
}

/** A big regular file, read `chunkSize` bytes at a time; reopened safely, and must be the same file. */
function fileStream(p: FsPath, st: fs.Stats): ByteStream {
  return {
    size: st.size,
    async *chunks(chunkSize: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
      const r = await openRegular(p);
      if (!r.ok) throw new Error(`${r.detail}`);
      try {
        if (r.st.ino !== st.ino || r.st.dev !== st.dev) throw new Error('the file was replaced while being scanned');
        for (;;) {
          if (signal?.aborted) return;
          const buf = Buffer.allocUnsafe(chunkSize);
          const { bytesRead } = await r.fh.read(buf, 0, chunkSize, null);
          if (bytesRead === 0) return;
          yield buf.subarray(0, bytesRead);
        }
      } finally {
        await r.fh.close();
      }
    },
  };
}

/**
 * Read one regular file: whole when it fits one chunk, else as a ByteStream. Symlinks, FIFOs,
 * sockets and devices are refused without blocking.
 */
export async function readRegularFile(
  p: FsPath,
  maxFileSize?: number,
  chunkSize = DEFAULT_CHUNK_SIZE,
): Promise<{ ok: true; content: Buffer | ByteStream } | ReadFailure> {
  const r = await openRegular(p);
  if (!r.ok) return r;
  try {
    const { st, fh } = r;
    if (maxFileSize !== undefined && st.size > maxFileSize) {
      return { ok: false, reason: 'too-large', detail: `skipped: too large (${st.size} bytes > --max-file-size ${maxFileSize})` };
    }
    if (st.size > chunkSize) return { ok: true, content: fileStream(p, st) };
    return { ok: true, content: await fh.readFile() };
  } catch (err) {
    return failure(err);
  } finally {
    await r.fh.close().catch(() => {});
  }
}

type Walked =
  | { abs: string; type: 'file' | 'symlink' | 'special'; root?: boolean }
  | { abs: string; type: 'unlistable'; detail: string }
  | { abs: string; type: 'pruned' };

/** A folder's entries, read at once; a name that is not valid UTF-8 is listed through its raw bytes. */
async function listDir(dir: string): Promise<{ entries: fs.Dirent[] } | { error: string }> {
  try {
    return { entries: fs.readdirSync(dir, { withFileTypes: true }) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' && dir.includes(REPLACEMENT)) {
      try {
        const all: fs.Dirent[] = [];
        for (const raw of await rawPaths(dir)) all.push(...fs.readdirSync(raw, { withFileTypes: true }));
        return { entries: all };
      } catch {
        // reported below
      }
    }
    return { error: `cannot list folder: ${e.code ?? e.message}` };
  }
}

/**
 * A root named on the command line whose name is not valid UTF-8 reaches us with U+FFFD for each bad
 * byte: its raw names are looked up. A file is read through them (as a walked file would be); a
 * folder cannot be walked by such a name.
 */
async function rawRootType(root: string): Promise<'file' | 'folder' | null> {
  if (!root.includes(REPLACEMENT)) return null;
  for (const raw of await rawPaths(root).catch(() => [])) {
    const st = await fsp.lstat(raw).catch(() => null);
    if (st?.isFile()) return 'file';
    if (st?.isDirectory()) return 'folder';
  }
  return null;
}

async function* walkRoot(root: string, prune?: (abs: string) => boolean): AsyncGenerator<Walked[]> {
  const st = await fsp.lstat(root).catch(async (err: NodeJS.ErrnoException) => {
    const raw = err.code === 'ENOENT' ? await rawRootType(root) : null;
    if (raw === 'file') return 'raw-file' as const;
    if (raw === 'folder') throw new InputError(`cannot scan ${root}: a folder whose name is not valid UTF-8 cannot be named here; scan the folder above it`);
    throw new InputError(`cannot scan ${root}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`);
  });
  if (st === 'raw-file') {
    yield [{ abs: root, type: 'file', root: true }];
    return;
  }
  if (!st.isDirectory()) {
    yield [{ abs: root, type: st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'special', root: true }];
    return;
  }
  // Depth-first, one folder listed at a time (synchronously: much cheaper than a callback per
  // folder, and the files of a folder go out together). `.git` is never entered; a folder the
  // config ignores is pruned, not listed.
  const stack: string[] = [root];
  let out: Walked[] = [];
  while (stack.length) {
    const dir = stack.pop()!;
    const listed = await listDir(dir);
    if ('error' in listed) {
      out.push({ abs: dir, type: 'unlistable', detail: listed.error });
      continue;
    }
    const sub: string[] = [];
    for (const d of listed.entries) {
      if (d.name === '.git') continue;
      const abs = dir.endsWith(path.sep) ? dir + d.name : dir + path.sep + d.name;
      if (d.isDirectory()) {
        if (prune?.(abs)) out.push({ abs, type: 'pruned' });
        else sub.push(abs);
        continue;
      }
      out.push({ abs, type: d.isFile() ? 'file' : d.isSymbolicLink() ? 'symlink' : 'special' });
    }
    for (let i = sub.length - 1; i >= 0; i--) stack.push(sub[i]!);
    if (out.length >= 256) {
      yield out;
      out = [];
    }
  }
  if (out.length) yield out;
}

/** A regular file the walk found (not yet opened: it may still turn out to be anything). */
export interface WalkedFile {
  kind: 'file';
  abs: string;
  /** As reported. */
  path: string;
}

/**
 * The walk under `roots`: every file to read, and every skip (symlinks, special files, folders that
 * cannot be listed, ignored files and pruned ignored folders), in walk order. Nothing is opened.
 */
export async function* walkBatches(roots: readonly string[], opts: Pick<FileSourceOptions, 'cwd' | 'ignore'>): AsyncGenerator<(WalkedFile | SourceSkip)[]> {
  // A file is listed twice when roots overlap (`scan src src/a.ts`), or when names that are not
  // valid UTF-8 decode alike (`x\xff` and `x\xfe` are both `x\uFFFD`: each listing reads every raw
  // file behind the name). Only those paths are remembered: every path of a big tree would grow with it.
  const seen = new Set<string>();
  const remember = roots.length > 1 ? () => true : (abs: string) => abs.includes(REPLACEMENT);
  const ignore = opts.ignore;
  const report = reportPaths(opts.cwd);
  const prune = ignore && ((abs: string): boolean => ignore(report(abs)));
  for (const root of roots) {
    const absRoot = path.resolve(opts.cwd, root);
    for await (const group of walkRoot(absRoot, prune)) {
      const out: (WalkedFile | SourceSkip)[] = [];
      for (const e of group) {
        const rel = report(e.abs);
        if (e.type === 'unlistable') {
          out.push({ kind: 'skip', path: rel, reason: 'unreadable', detail: e.detail });
          continue;
        }
        if (remember(e.abs)) {
          if (seen.has(e.abs)) continue;
          seen.add(e.abs);
        }
        if (e.type === 'pruned') {
          out.push({ kind: 'skip', path: rel, reason: 'ignored', detail: 'folder ignored by config: not walked' });
          continue;
        }
        if (ignore?.(rel)) {
          out.push({ kind: 'skip', path: rel, reason: 'ignored' });
          continue;
        }
        if (e.type === 'symlink') {
          out.push(
            e.root
              ? { kind: 'skip', path: rel, reason: 'symlink', detail: 'is a symbolic link: not followed (scan its target by name instead)', warn: true }
              : { kind: 'skip', path: rel, reason: 'symlink', detail: 'symbolic links are not followed' },
          );
          continue;
        }
        if (e.type === 'special') {
          out.push({ kind: 'skip', path: rel, reason: 'special', detail: 'not a regular file (FIFO, socket or device): not read', ...(e.root ? { warn: true } : {}) });
          continue;
        }
        out.push({ kind: 'file', abs: e.abs, path: rel });
      }
      if (out.length) yield out;
    }
  }
}

/** `walkBatches` one entry at a time. */
export async function* walkFiles(roots: readonly string[], opts: Pick<FileSourceOptions, 'cwd' | 'ignore'>): AsyncGenerator<WalkedFile | SourceSkip> {
  for await (const group of walkBatches(roots, opts)) yield* group;
}

/** Yields every file under `roots` as bytes (or a stream for big files), and every skip with its reason. */
export function fileSource(roots: readonly string[], opts: FileSourceOptions): AsyncGenerator<SourceEvent> {
  return readWalked(walkFiles(roots, opts), opts);
}

/** The files of a walk read on this thread (asynchronously, `concurrency` at a time), in walk order. */
export async function* readWalked(walked: AsyncIterable<WalkedFile | SourceSkip>, opts: FileSourceOptions): AsyncGenerator<SourceEvent> {
  const concurrency = Math.max(1, opts.concurrency ?? 16);
  const queue: Promise<SourceEvent[]>[] = [];

  const load = async (abs: string, rel: string): Promise<SourceEvent[]> => {
    let r = await readRegularFile(abs, opts.maxFileSize, opts.chunkSize);
    if (r.ok || !(r.reason === 'unreadable' && abs.includes(REPLACEMENT))) {
      return [r.ok ? { kind: 'item', path: rel, content: r.content } : { kind: 'skip', path: rel, reason: r.reason, detail: r.detail }];
    }
    // A name that is not valid UTF-8: read each raw file behind it, reported under the decoded name.
    const out: SourceEvent[] = [];
    for (const raw of await rawPaths(abs)) {
      r = await readRegularFile(raw, opts.maxFileSize, opts.chunkSize);
      out.push(r.ok ? { kind: 'item', path: rel, content: r.content } : { kind: 'skip', path: rel, reason: r.reason, detail: r.detail });
    }
    return out.length ? out : [{ kind: 'skip', path: rel, reason: 'unreadable', detail: r.ok ? 'cannot read' : r.detail }];
  };

  for await (const e of walked) {
    if (e.kind === 'skip') {
      yield e;
      continue;
    }
    queue.push(load(e.abs, e.path));
    if (queue.length >= concurrency) yield* await queue.shift()!;
  }
  while (queue.length) yield* await queue.shift()!;
}
