import type { Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { builtinRuleSet } from '../../rules/index.js';
import { fileSource } from '../../sources/files.js';
import { stdinSource } from '../../sources/stdin.js';
import type { SourceEvent } from '../../sources/types.js';
import { DASH, type Io } from '../io.js';
import { withReportOptions, type ReportArgs } from '../report-options.js';
import { runScan } from '../run-scan.js';

export interface ScanArgs extends ReportArgs {
  paths?: string[];
  'stdin-filename'?: string;
}

export const scanCommand = {
  command: 'scan [paths..]',
  describe: 'Scan files and folders (default .), or standard input with -',
  builder: (y: Argv) =>
    withReportOptions(y)
      .positional('paths', { type: 'string', array: true, describe: 'Files or folders to scan; - reads standard input' })
      .option('stdin-filename', { type: 'string', describe: 'Name to report for standard input' })
      .example('$0 scan', 'Scan the current folder')
      .example('$0 scan src config --format sarif -o results.sarif', 'SARIF for code scanning')
      .example('git show HEAD:app.env | $0 scan - --stdin-filename app.env', 'Scan standard input'),

  async run(args: ScanArgs, io: Io): Promise<number> {
    const ruleset = builtinRuleSet();
    const { code } = await runScan({ io, args, ruleset, events: scanEvents(args, io) });
    return code;
  },
};

/** Which source a `scan` invocation reads. */
export function scanEvents(args: ScanArgs, io: Io): AsyncIterable<SourceEvent> {
  const paths = args.paths?.length ? args.paths : ['.'];
  if (paths.includes(DASH)) {
    if (paths.length > 1) throw new UsageError('scan: - (standard input) cannot be combined with paths');
    return stdinSource(io.stdin, args['stdin-filename']);
  }
  return fileSource(paths, { cwd: io.cwd, maxFileSize: args['max-file-size'] });
}
