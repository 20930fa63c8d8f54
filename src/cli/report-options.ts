/** Options every scanning command shares (--format, --output, --show-secrets, --quiet) and report output. */
import { constants } from 'node:fs';
import { mkdir, open, stat, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import type { RuleSet } from '../core/types.js';
import { InputError, UsageError } from '../errors.js';
import { FORMATS, render, type Format } from '../report/index.js';
import type { ScanResult } from '../scan.js';
import { DASH, useColor, type Io } from './io.js';
import { display } from '../report/display.js';
import { reportedPaths } from '../report/paths.js';

export interface ReportArgs {
  format: Format;
  output?: string;
  'show-secrets': boolean;
  'show-suppressed': boolean;
  quiet: boolean;
  'max-file-size'?: number;
  /** Exit 2 when any file was not scanned and warned about (unreadable, too large, a named symlink). */
  strict?: boolean;
}

export function withReportOptions<T>(y: Argv<T>) {
  return y
    .option('format', { alias: 'f', choices: FORMATS, default: 'text' as Format, requiresArg: true, describe: 'Report format' })
    .option('output', {
      alias: 'o',
      type: 'string',
      describe: 'Write the report to FILE instead of stdout',
      // Refused at once (not after the scan, as a place that cannot take the file is).
      coerce: (v: unknown) => {
        if (v === '') throw new UsageError('--output needs a file name (or - for standard output)');
        return v;
      },
    })
    .option('show-secrets', { type: 'boolean', default: false, describe: 'Print full secrets (never use in CI: logs are public)' })
    .option('show-suppressed', { type: 'boolean', default: false, describe: 'List findings suppressed by baseline, inline allow or config' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress or summary lines; the report only' })
    .option('max-file-size', {
      type: 'string',
      coerce: parseSize,
      describe: 'Skip files larger than this (bytes, or with a unit: 500k, 10MB, 1GiB); reported as skipped',
    })
    .option('strict', {
      type: 'boolean',
      default: false,
      describe: 'Exit 2 when any file could not be scanned (unreadable, too large, a symlink or device named as a path)',
    });
}

/**
 * A FIFO that no process reads: opening it to write would wait for a reader for ever, and a blocked
 * open is never given up, not even at Ctrl-C or SIGTERM (found by a trial). One with a reader (`-o
 * >(gzip > r.gz)`, a named pipe read by another process) takes the report: it is opened here (the
 * probe without waiting, then the one written to, before the probe closes, so the reader never sees
 * the end early). Undefined for anything else: written as a file.
 */
async function openPipe(file: string, shown: string): Promise<FileHandle | undefined> {
  const st = await stat(file).catch(() => null);
  if (!st?.isFIFO()) return undefined;
  let probe: FileHandle;
  try {
    probe = await open(file, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`--output ${shown}: cannot write the report: ${code === 'ENXIO' ? 'a FIFO that no process reads' : (code ?? (err as Error).message)}`);
  }
  try {
    return await open(file, constants.O_WRONLY);
  } finally {
    await probe.close();
  }
}

/** Write the report where the user asked; a short summary goes to stderr when the report goes to a file. */
export async function emitReport(io: Io, args: ReportArgs, result: ScanResult, ruleset: RuleSet): Promise<void> {
  const toFile = args.output !== undefined && args.output !== '-' && args.output !== DASH;
  const shown = reportedPaths(result, args['show-secrets']);
  const text = render(args.format, {
    result: shown,
    ruleset,
    showSuppressed: args['show-suppressed'],
    quiet: args.quiet,
    color: !toFile && args.format === 'text' && useColor(io),
  });
  if (toFile) {
    const file = path.resolve(io.cwd, args.output!);
    const pipe = await openPipe(file, args.output!);
    try {
      if (pipe) {
        await pipe.writeFile(text).finally(() => pipe.close());
      } else {
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, text);
      }
    } catch (err) {
      // Not a usage mistake (no --help hint): the place cannot take the file.
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'EEXIST' || code === 'ENOTDIR'
          ? 'a part of its folder path is a file, not a folder'
          : code === 'EISDIR'
            ? 'it is a folder'
            : code === 'EACCES' || code === 'EPERM'
              ? 'permission denied'
              : (code ?? (err as Error).message);
      throw new InputError(`--output ${args.output}: cannot write the report: ${why}`);
    }
    if (!args.quiet) {
      const n = result.findings.length;
      const found = n === 0 ? 'No HubSpot credentials' : `${n} HubSpot credential${n === 1 ? '' : 's'}`;
      const stopped = result.incomplete ? 'Interrupted: ' : '';
      io.stderr.write(`${stopped}${found} found${stopped ? ' before it stopped' : ''}; ${args.format} report written to ${args.output}\n`);
    }
  } else {
    io.stdout.write(text);
  }
  if (toFile || args.format !== 'text') {
    for (const w of shown.warnings) io.stderr.write(`warning: ${display(w.path)}: ${display(w.message)}\n`);
  }
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1 << 20, mb: 1 << 20, mib: 1 << 20, g: 1 << 30, gb: 1 << 30, gib: 1 << 30 };

/**
 * `--max-file-size`: a positive whole number of bytes, optionally with a unit (binary multiples).
 * Anything else is a usage error: an empty or zero limit would skip every file and pass silently.
 */
export function parseSize(value: unknown): number {
  const text = String(value ?? '').trim();
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new UsageError(`--max-file-size: expected a positive size such as 1048576, 500k or 10MB, got ${JSON.stringify(text)}`);
  }
  return bytes;
}
