/** Options every scanning command shares (--format, --output, --show-secrets, --quiet) and report output. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import type { RuleSet } from '../core/types.js';
import { UsageError } from '../errors.js';
import { FORMATS, render, type Format } from '../report/index.js';
import type { ScanResult } from '../scan.js';
import { DASH, useColor, type Io } from './io.js';
import { display } from '../report/display.js';

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
    .option('format', { alias: 'f', choices: FORMATS, default: 'text' as Format, describe: 'Report format' })
    .option('output', { alias: 'o', type: 'string', describe: 'Write the report to FILE instead of stdout' })
    .option('show-secrets', { type: 'boolean', default: false, describe: 'Print full secrets (never use in CI: logs are public)' })
    .option('show-suppressed', { type: 'boolean', default: false, describe: 'List findings suppressed by baseline, inline allow or config' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No progress or summary lines; the report only' })
    .option('max-file-size', { type: 'number', describe: 'Skip files larger than this many bytes (reported as skipped)' })
    .option('strict', {
      type: 'boolean',
      default: false,
      describe: 'Exit 2 when any file could not be scanned (unreadable, too large, a symlink or device named as a path)',
    });
}

/** Write the report where the user asked; a short summary goes to stderr when the report goes to a file. */
export async function emitReport(io: Io, args: ReportArgs, result: ScanResult, ruleset: RuleSet): Promise<void> {
  const toFile = args.output !== undefined && args.output !== '-' && args.output !== DASH;
  const text = render(args.format, {
    result,
    ruleset,
    showSuppressed: args['show-suppressed'],
    color: !toFile && args.format === 'text' && useColor(io),
  });
  if (toFile) {
    const file = path.resolve(io.cwd, args.output!);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
    } catch (err) {
      throw new UsageError(`--output ${args.output}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!args.quiet) {
      const n = result.findings.length;
      io.stderr.write(`${n} HubSpot credential${n === 1 ? '' : 's'} found; ${args.format} report written to ${args.output}\n`);
    }
  } else {
    io.stdout.write(text);
  }
  if (toFile || args.format !== 'text') {
    for (const w of result.warnings) io.stderr.write(`warning: ${display(w.path)}: ${display(w.message)}\n`);
  }
}
