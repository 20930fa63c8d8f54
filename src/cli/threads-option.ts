/** `--threads`: worker threads that read and scan (directory scans and audit). */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';

export interface ThreadsArgs {
  threads?: number;
}

export function withThreadsOption<T>(y: Argv<T>): Argv<T & ThreadsArgs> {
  return y.option('threads', {
    type: 'number',
    describe: 'Worker threads that read and scan beside the main thread, which scans too (0: none, all on the main thread). Default: one per core but one, at least 1, at most 3 (a folder of fewer than 128 files is scanned on the main thread)',
  }) as Argv<T & ThreadsArgs>;
}

/** The validated value: undefined (automatic) or a whole number 0–64. */
export function threadsArg(args: ThreadsArgs): number | undefined {
  const t = args.threads;
  if (t === undefined) return undefined;
  if (!(Number.isInteger(t) && t >= 0 && t <= 64)) throw new UsageError(`--threads must be a whole number from 0 to 64${Number.isNaN(t) ? '' : `, not ${String(t)}`}`);
  return t;
}
