/**
 * Scan workers started before the command line is even parsed. A worker takes ~0.1 s to start
 * (its own Node bootstrap and bundle), which a directory scan or an audit otherwise waits for after
 * its own start-up (argument parsing, config, the first files or git listings). When the arguments
 * say such a run is coming (`speculate`), bin.ts starts the workers at once, unconfigured; the pool
 * takes them (`takeSpare`) and sends their configuration as the first message. Workers nobody takes
 * are stopped (`dropSpares`) and never hold the process open. A guess that is wrong costs one idle
 * start-up on another core, never a different result: a pool without spares starts its own.
 *
 * Kept free of the detection core so bin.ts can load it before everything else.
 */
import { existsSync, statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { os, workerThreads } from '../builtin.js';

/** Threads that scan by default: one per core, at most this many (each holds a heap and a read buffer). */
export const MAX_DEFAULT_THREADS = 4;

/**
 * Worker threads by default: one per core but the one this (main) thread keeps busy (it scans too in a
 * folder scan, and reads git's stream in an audit), at most 3. Each
 * worker costs its own start-up and JIT warm-up, which on a small machine is worth more than a core.
 */
export function defaultThreads(cores = os().availableParallelism()): number {
  return Math.max(1, Math.min(MAX_DEFAULT_THREADS, cores) - 1);
}

/**
 * The bundled worker script, next to the bundle's entry points (dist/scan-worker.js) whether this
 * module was bundled into dist/main.cjs or into dist/chunks/. Undefined when running from the
 * TypeScript sources (there is no worker to start: the single-thread path is used).
 */
export function bundledWorkerUrl(): URL | undefined {
  const here = new URL(import.meta.url);
  if (!/\.c?js$/.test(here.pathname)) return undefined;
  for (const rel of ['./scan-worker.js', '../scan-worker.js']) {
    const u = new URL(rel, here);
    if (existsSync(u)) return u;
  }
  return undefined;
}

/** Most worker threads `--threads` takes. */
export const MAX_THREADS = 64;

/** `--threads` as typed: a plain whole number 0–MAX_THREADS (not `0x10`, `1e1` or empty), else undefined. */
export function threadCount(text: string): number | undefined {
  return /^\d{1,2}$/.test(text) && Number(text) <= MAX_THREADS ? Number(text) : undefined;
}

/**
 * With scan workers, each thread's V8 optimizes its own copy of the hot code, on compile threads
 * that share the cores with the scanning threads (~26% of the CPU of the bench's folder scan was
 * TurboFan). V8 is told to wait longer (its interrupt budget: 8x Node 20's default of 66 KiB; newer
 * V8s default to up to 144 KiB) before optimizing a function, so only the really hot ones are: the
 * bench's folder scan 626 -> 559 ms, its audit 844 -> 767 ms (Node 20, medians, interleaved). Not
 * for one thread (5% slower with it): its compile thread has a core of its own. Set whenever workers
 * are expected, also for a folder that turns out too small for them (a few milliseconds either way).
 * An unknown flag is ignored by V8 (a test checks that this one exists).
 */
export const COMPILE_BUDGET_FLAG = `--interrupt-budget=${8 * 66 * 1024}`;

/**
 * V8 compiles a regular expression twice by default: to bytecode for its first run, then to machine
 * code when it runs again (its "tier-up"). The rules' patterns run thousands of times on every
 * scanning thread, so each is compiled twice per thread, and their bytecode compile is the slower
 * one: the other-service context (a lookbehind over ~260 service names) takes 50-70 ms to bytecode
 * and then 15-20 ms to machine code, against 15-20 ms straight to machine code; all the rules'
 * regexes 181 against 72 ms (Node 20). Compiled straight to machine code, the bench's folder scan
 * runs 7.23 -> 6.95 G instructions and its audit 7.14 -> 6.99 G (callgrind; regex compiling was
 * 12% and 8% of them). Not for a single thread's runs (the hook compiles Node's and yargs' regexes
 * that run once, where bytecode is the cheaper: 0.26 against 0.28 s); set with the budget above.
 */
export const REGEXP_NATIVE_FLAG = '--no-regexp-tier-up';

/** The V8 flags a run with scan workers sets before they start (bin.ts). */
export const WORKER_V8_FLAGS = `${COMPILE_BUDGET_FLAG} ${REGEXP_NATIVE_FLAG}`;

/**
 * The options of `scan`, `audit` and `baseline` that take a value (a test checks them against the
 * commands' help): in `--format json` the value is not a path to scan. `--threads` and `--commits`
 * are read on their own.
 */
export const VALUE_OPTIONS: ReadonlySet<string> = new Set([
  '--format', '-f', '--output', '-o', '--max-file-size', '--api-base-url', '--verify-concurrency', '--verify-timeout',
  '--fail-on', '--config', '--baseline', '--stdin-filename',
]);

/** What a spare worker is started with: it waits for its configuration (`{ init }`) as first message. */
export const DEFERRED = { deferred: true } as const;

/**
 * How many workers a command line will want, guessed from the raw arguments: `audit`, or `scan` or
 * `baseline` of a folder (a path given that is a folder, or none: the current one; `baseline
 * --history` too), unless `--threads 0`, a git or standard-input mode, or help. 0 when no worker is
 * expected. Only the first argument is taken as the command (options before it make no guess).
 */
export function speculate(argv: readonly string[], cwd: string, coresGiven?: number): number {
  const [command, ...rest] = argv;
  /** Commands whose positional arguments are paths to scan. */
  const paths = command === 'scan' || command === 'baseline';
  if (!paths && command !== 'audit') return 0;
  /** `--threads` as typed (undefined: the default). */
  let threads: number | undefined;
  let folder = command === 'audit';
  let positional = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--') break;
    if (a === '-h' || a === '--help' || a === '--version' || a === '-') return 0;
    if (command === 'scan' && (a === '--staged' || a.startsWith('--commits'))) return 0;
    if (command === 'baseline' && a === '--history') folder = true;
    if (VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    const t = a === '--threads' ? rest[++i] : a.startsWith('--threads=') ? a.slice('--threads='.length) : undefined;
    if (t !== undefined) {
      // baseline has no --threads: the command line is refused later.
      if (command === 'baseline') return 0;
      // Only values the option accepts (it is checked later, with a clear error).
      const n = threadCount(t);
      if (n === undefined) return 0;
      threads = n;
      continue;
    }
    if (paths && !a.startsWith('-')) {
      positional = true;
      try {
        if (statSync(a.startsWith('/') ? a : `${cwd}/${a}`, { throwIfNoEntry: false })?.isDirectory()) folder = true;
      } catch {
        /* not a guess worth making */
      }
    }
  }
  if (paths && !positional) folder = true;
  if (!folder) return 0;
  // Cores are counted only now: the hook (scan --staged) never loads node:os.
  const cores = coresGiven ?? os().availableParallelism();
  if (cores < 2) return 0;
  // A head start for as many workers as there are cores at most: the pool starts any others.
  return Math.min(threads ?? defaultThreads(cores), cores);
}

let spares: { url: string; workers: Worker[] } | undefined;

/** Start `n` unconfigured workers from `url` (unref'd: an unused one never holds the process); returns them. */
export function startSpares(url: URL, n: number): Worker[] {
  if (spares || n <= 0) return [];
  const workers: Worker[] = [];
  allowListeners(n);
  for (let i = 0; i < n; i++) {
    const w = new (workerThreads().Worker)(url, { workerData: DEFERRED, stdout: false, stderr: false });
    w.unref();
    // A spare that fails to start is dropped; the pool then starts its own and sees the error itself.
    const drop = (): void => {
      const k = workers.indexOf(w);
      if (k !== -1) workers.splice(k, 1);
    };
    w.once('error', drop);
    w.once('exit', drop);
    workers.push(w);
  }
  spares = { url: url.href, workers };
  return [...workers];
}

/**
 * Each worker's output is piped to this process's stdout and stderr, one listener each per worker:
 * many workers (`--threads 12`) are not a leak, so Node's warning about it is raised past them.
 */
export function allowListeners(workers: number): void {
  for (const s of [process.stdout, process.stderr]) {
    if (s.getMaxListeners() < workers + 10) s.setMaxListeners(workers + 10);
  }
}

/** A started spare for `url`, now the caller's (its listeners removed, ref'd again); undefined if none. */
export function takeSpare(url: URL | string): Worker | undefined {
  if (!spares || spares.url !== (typeof url === 'string' ? url : url.href)) return undefined;
  const w = spares.workers.shift();
  if (!w) return undefined;
  w.removeAllListeners('error');
  w.removeAllListeners('exit');
  w.ref();
  return w;
}

/** Stop the spares nobody took (a small tree scanned on this thread alone, or the run is over). */
export function dropSpares(): void {
  if (!spares) return;
  for (const w of spares.workers) void w.terminate().catch(() => {});
  spares = undefined;
}
