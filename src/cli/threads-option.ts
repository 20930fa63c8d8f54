/** `--threads`: worker threads that read and scan (directory scans and audit). */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { MAX_DEFAULT_THREADS, MAX_THREADS, threadCount } from '../parallel/spare.js';
import { MIN_PARALLEL_FILES } from '../parallel/source.js';

export interface ThreadsArgs {
  /** As typed (a string; given twice, the last one): `0x10`, `1e1` or a missing value are refused. */
  threads?: string;
}

export function withThreadsOption<T>(y: Argv<T>): Argv<T & ThreadsArgs> {
  return y.option('threads', {
    type: 'string',
    requiresArg: true,
    describe: `Worker threads that scan beside the main thread, which scans too in a folder scan and reads git in an audit (0: none, all on the main thread). Default: one per core but one, at least 1, at most ${MAX_DEFAULT_THREADS - 1} (a folder of fewer than ${MIN_PARALLEL_FILES} files is scanned on the main thread)`,
  }) as Argv<T & ThreadsArgs>;
}

/** The validated value: undefined (automatic) or a whole number 0–64. */
export function threadsArg(args: ThreadsArgs): number | undefined {
  const raw = args.threads;
  if (raw === undefined) return undefined;
  // Given twice: the last one counts (main.ts).
  const text = raw.trim();
  const t = threadCount(text);
  if (t === undefined) throw new UsageError(`--threads must be a whole number from 0 to ${MAX_THREADS}, not ${JSON.stringify(text)}`);
  return t;
}
