/**
 * Directory-tree source: walks roots with fast-glob, never follows symlinks, never opens anything
 * but regular files (FIFOs, sockets and devices are skipped without blocking), skips `.git`.
 */
import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { InputError } from '../errors.js';
import type { SourceEvent } from './types.js';

export interface FileSourceOptions {
  /** Paths are reported relative to this directory. */
  cwd: string;
  /** Relative (to cwd, `/` separators) path → true when the user's config ignores it. */
  ignore?: (relPath: string) => boolean;
  /** Files larger than this many bytes are skipped as too large. */
  maxFileSize?: number;
  /** How many files are read at once. */
  concurrency?: number;
}

export function toReportPath(cwd: string, abs: string): string {
  const rel = path.relative(cwd, abs);
  const p = rel === '' ? path.basename(abs) : rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
  return p.split(path.sep).join('/');
}

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/** Read one regular file without following a symlink or blocking on a FIFO swapped in after the walk. */
export async function readRegularFile(
  abs: string,
  maxFileSize?: number,
): Promise<{ ok: true; bytes: Buffer } | { ok: false; reason: 'special' | 'too-large' | 'unreadable' | 'symlink'; detail: string }> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(abs, OPEN_FLAGS);
    const st = await fh.stat();
    if (!st.isFile()) return { ok: false, reason: 'special', detail: 'not a regular file' };
    if (maxFileSize !== undefined && st.size > maxFileSize) {
      return { ok: false, reason: 'too-large', detail: `skipped: too large (${st.size} bytes > --max-file-size ${maxFileSize})` };
    }
    return { ok: true, bytes: await fh.readFile() };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ELOOP') return { ok: false, reason: 'symlink', detail: 'symbolic link' };
    return { ok: false, reason: 'unreadable', detail: `cannot read: ${e.code ?? e.message}` };
  } finally {
    await fh?.close();
  }
}

async function* walkRoot(root: string): AsyncGenerator<{ abs: string; type: 'file' | 'symlink' | 'special' }> {
  const st = await fsp.lstat(root).catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`cannot scan ${root}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`);
  });
  if (!st.isDirectory()) {
    yield { abs: root, type: st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'special' };
    return;
  }
  const stream = fg.stream('**', {
    cwd: root,
    dot: true,
    onlyFiles: false,
    followSymbolicLinks: false,
    objectMode: true,
    ignore: ['**/.git/**', '**/.git'],
    suppressErrors: true,
    unique: false,
  });
  for await (const entry of stream as AsyncIterable<fg.Entry>) {
    const d = entry.dirent;
    if (d.isDirectory()) continue;
    const abs = path.join(root, entry.path);
    yield { abs, type: d.isFile() ? 'file' : d.isSymbolicLink() ? 'symlink' : 'special' };
  }
}

/** Yields every file under `roots` as bytes, and every skip with its reason. */
export async function* fileSource(roots: readonly string[], opts: FileSourceOptions): AsyncGenerator<SourceEvent> {
  const concurrency = Math.max(1, opts.concurrency ?? 16);
  const seen = new Set<string>();
  const queue: Promise<SourceEvent>[] = [];

  const load = async (abs: string, rel: string): Promise<SourceEvent> => {
    const r = await readRegularFile(abs, opts.maxFileSize);
    if (!r.ok) return { kind: 'skip', path: rel, reason: r.reason, detail: r.detail };
    return { kind: 'item', path: rel, content: r.bytes };
  };

  for (const root of roots) {
    const absRoot = path.resolve(opts.cwd, root);
    for await (const e of walkRoot(absRoot)) {
      if (seen.has(e.abs)) continue;
      seen.add(e.abs);
      const rel = toReportPath(opts.cwd, e.abs);
      if (opts.ignore?.(rel)) {
        yield { kind: 'skip', path: rel, reason: 'ignored' };
        continue;
      }
      if (e.type === 'symlink') {
        yield { kind: 'skip', path: rel, reason: 'symlink', detail: 'symbolic links are not followed' };
        continue;
      }
      if (e.type === 'special') {
        yield { kind: 'skip', path: rel, reason: 'special', detail: 'not a regular file' };
        continue;
      }
      queue.push(load(e.abs, rel));
      if (queue.length >= concurrency) yield await queue.shift()!;
    }
  }
  while (queue.length) yield await queue.shift()!;
}
