/**
 * V8's code cache for the bundled CLI (dist/main.cjs): the bytecode V8 compiled for the bundle in
 * earlier runs, handed back to V8 so the next run skips parsing and compiling it. The hook runs on
 * every commit, and compiling the bundle was a third of its own time (src/launch.ts).
 *
 * What the cache holds is our code's bytecode and nothing else: never a scanned text, a path or a
 * finding. It lives where the package is installed, as other tools' caches do
 * (`node_modules/.cache/hubspot-secrets`), so whoever could change it could already change the
 * package's code; when that folder cannot be written (a global install), in the user's cache folder.
 * `HUBSPOT_SECRETS_CACHE_DIR` names another folder, or `off`. A cache file is read only from a folder
 * and file of this user's that nobody else may write (POSIX modes), and is named after the bundle's
 * content hash, Node's version and the CPU, and holds a checksum of its data (a file that does not
 * match it is not used). V8 checks the rest (its version, its flags, the source's length) and rejects
 * a cache that does not fit: the bundle is then compiled as if there were none, and the run writes a
 * fresh one. Nothing here ever fails a run.
 *
 * A cache holds the functions the runs that wrote it had compiled. Its header lists those runs' kinds
 * (`scan --staged`, `hook run` …: `runKind`), and a run of a kind not listed writes it again, with
 * what it compiled added: a cache first written by `--version` does not leave the hook compiling its
 * own code at every commit.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import { relativeTo } from './paths.js';

/** The environment variable that moves the cache (a folder), or turns it off (`off`). */
export const CACHE_DIR_ENV = 'HUBSPOT_SECRETS_CACHE_DIR';

const SUFFIX = '.v8';
const MAGIC = 'hubspot-secrets code cache\n';
/** Another version's cache is removed once it is this old (another project may use that version). */
const STALE_MS = 7 * 24 * 3600_000;

/**
 * The folders the cache of the bundle at `bundleFile` (`<package>/dist/main.cjs`) may live in, best
 * first: `<node_modules>/.cache/hubspot-secrets` for an installed package (or `<package>/node_modules/…`
 * for a checkout), then the user's cache folder. None when it is off. A folder named by a relative
 * path, or inside the folder the tool runs in (`cwd`), is not used: it would be in the checkout being
 * scanned, whose author could have put a cache there (code this tool would run).
 */
export function cacheDirs(bundleFile: string, env: Readonly<Record<string, string | undefined>>, exists: (p: string) => boolean, cwd: string): string[] {
  const given = env[CACHE_DIR_ENV];
  if (given?.toLowerCase() === 'off') return [];
  if (given && path.isAbsolute(given) && relativeTo(real(cwd), real(given)) === null) return [path.normalize(given)];
  const dirs: string[] = [];
  const pkg = path.dirname(path.dirname(bundleFile));
  const above = path.dirname(pkg);
  if (path.basename(above) === 'node_modules') dirs.push(path.join(above, '.cache', 'hubspot-secrets'));
  else if (exists(path.join(pkg, 'node_modules'))) dirs.push(path.join(pkg, 'node_modules', '.cache', 'hubspot-secrets'));
  const user = process.platform === 'win32' ? env['LOCALAPPDATA'] : env['XDG_CACHE_HOME'] || (env['HOME'] && path.join(env['HOME'], '.cache'));
  if (user && path.isAbsolute(user)) dirs.push(path.join(user, 'hubspot-secrets'));
  return dirs;
}

/** `p` with its symbolic links resolved, as far as it exists. */
function real(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    const up = path.dirname(p);
    return up === p ? p : path.join(real(up), path.basename(p));
  }
}

/** A cache's name: `<bundle hash>-<Node version>-<CPU>[-<flags' hash>].v8` (pruned only if it is one). */
const NAME = /^[0-9a-f]{16}-v\d+\.\d+\.\d+-[a-z0-9]+(?:-[0-9a-f]{8})?\.v8$/;

/**
 * The cache file's name for a bundle whose content hash is `hash`, under this Node, CPU and the V8
 * flags Node was started with (`node --stack-size=…`, `NODE_OPTIONS`): V8 rejects a cache made under
 * other flags, so runs with and without them keep one each instead of replacing each other's.
 */
export function cacheName(hash: string, flags = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].join(' ').trim()): string {
  return `${hash}-${process.version}-${process.arch}${flags ? `-${fnv(flags)}` : ''}${SUFFIX}`;
}

/** FNV-1a, 32 bits, as 8 hex digits. */
function fnv(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

const HOOK_STEPS = new Set(['install', 'uninstall', 'run']);
const COMMANDS = new Set(['scan', 'audit', 'verify', 'baseline', 'rules', 'hook']);

/** The kind of run a command line asks for, as far as the code it runs goes: `scan --staged`, `hook run`, `audit` … */
export function runKind(argv: readonly string[]): string {
  const [command, step] = argv;
  if (command === undefined || !COMMANDS.has(command)) return '-';
  if (command === 'hook') return HOOK_STEPS.has(step ?? '') ? `hook ${step}` : 'hook';
  if (command !== 'scan') return command;
  if (argv.includes('--staged')) return 'scan --staged';
  if (argv.some((a) => a.startsWith('--commits'))) return 'scan --commits';
  return 'scan';
}

/**
 * Whether `st` (of an lstat, where a symbolic link is neither, or of an open file's fstat) is a folder
 * or file of this user's that no other user may write. Windows has no such modes: its folders' access
 * lists decide there.
 */
export function ownedAndPrivate(st: Stats, kind: 'dir' | 'file'): boolean {
  if (!(kind === 'dir' ? st.isDirectory() : st.isFile())) return false;
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return true;
  return st.uid === process.getuid() && (st.mode & 0o022) === 0;
}

function trustedDir(p: string): boolean {
  try {
    return ownedAndPrivate(lstatSync(p), 'dir');
  } catch {
    return false;
  }
}

/**
 * A checksum of V8's data, kept in the header: V8 checks a cache's version, flags and source length,
 * but not its bytes, and runs a cache with one bit flipped (a bad disk, a bad copy) as code. CRC-32
 * (zlib's, Node 20.15+: ~2 ms for the 0.5 MB) or, before that, SHA-256 (~4 ms with node:crypto's load).
 */
export function checksum(data: Uint8Array, kind = typeof zlib.crc32 === 'function' ? 'crc32' : 'sha256'): string | undefined {
  if (kind === 'crc32') return typeof zlib.crc32 === 'function' ? `crc32:${zlib.crc32(data).toString(16)}` : undefined;
  if (kind !== 'sha256') return undefined;
  const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
}

export interface Cached {
  /** The folder it was read from. */
  dir: string;
  /** The kinds of run (runKind) whose compiled code it holds. */
  kinds: string[];
  /** V8's data. */
  data: Buffer;
}

/** The first cache named `name` in `dirs` that may be trusted and is well formed, or undefined. */
export function readCache(dirs: readonly string[], name: string): Cached | undefined {
  for (const dir of dirs) {
    if (!trustedDir(dir)) continue;
    let bytes: Buffer;
    let fd: number | undefined;
    try {
      // The file as opened (never through a symbolic link; a FIFO does not block the open) is the one
      // checked and read.
      fd = openSync(path.join(dir, name), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
      if (!ownedAndPrivate(fstatSync(fd), 'file')) continue;
      bytes = readFileSync(fd);
    } catch {
      continue;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const end = bytes.indexOf(10, MAGIC.length);
    if (end < 0 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) continue;
    // `<checksum> <kinds>`: a file whose data does not match its checksum is not used.
    const line = bytes.toString('latin1', MAGIC.length, end);
    const sum = line.slice(0, line.indexOf(' ') >>> 0);
    const kinds = line.slice(sum.length + 1);
    const data = bytes.subarray(end + 1);
    if (checksum(data, sum.slice(0, sum.indexOf(':'))) !== sum) continue;
    return { dir, kinds: kinds.split(',').filter(Boolean), data };
  }
  return undefined;
}

/**
 * Writes V8's `data`, holding the code of the runs `kinds`, as `name` in the first of `dirs` where that
 * works (a folder made private if it is new, skipped if it is not private), all at once (a concurrent
 * run reads the old file or the new one, never half of one). Other versions' caches there that were
 * not written for a week are removed. Every failure is ignored: a cache only saves time.
 */
export function writeCache(dirs: readonly string[], name: string, kinds: readonly string[], data: Buffer): void {
  const bytes = Buffer.concat([Buffer.from(`${MAGIC}${checksum(data)} ${[...new Set(kinds)].sort().join(',')}\n`, 'latin1'), data]);
  for (const dir of dirs) {
    const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (!trustedDir(dir)) continue;
      writeFileSync(tmp, bytes, { mode: 0o600, flag: 'wx' });
      renameSync(tmp, path.join(dir, name));
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        /* never made */
      }
      continue;
    }
    prune(dir, name);
    return;
  }
}

function prune(dir: string, keep: string): void {
  const hash = keep.slice(0, keep.indexOf('-') + 1);
  try {
    for (const other of readdirSync(dir)) {
      if (!NAME.test(other) || other.startsWith(hash)) continue;
      const file = path.join(dir, other);
      if (Date.now() - lstatSync(file).mtimeMs > STALE_MS) unlinkSync(file);
    }
  } catch {
    /* another run removed it first, or the folder cannot be listed */
  }
}
