import type { Argv } from 'yargs';
import { UsageError } from '../../errors.js';
import { builtinRuleSet } from '../../rules/index.js';
import { scan } from '../../scan.js';
import { fileSource } from '../../sources/files.js';
import { stdinSource } from '../../sources/stdin.js';
import type { SourceEvent } from '../../sources/types.js';
import { DASH, type Io } from '../io.js';
import { emitReport, withReportOptions, type ReportArgs } from '../report-options.js';

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
    const paths = args.paths?.length ? args.paths : ['.'];
    const ruleset = builtinRuleSet();
    let events: AsyncIterable<SourceEvent>;
    if (paths.includes(DASH)) {
      if (paths.length > 1) throw new UsageError('scan: - (standard input) cannot be combined with paths');
      events = stdinSource(io.stdin, args['stdin-filename']);
    } else {
      events = fileSource(paths, { cwd: io.cwd, maxFileSize: args['max-file-size'] });
    }
    const result = await scan(events, { ruleset, showSecrets: args['show-secrets'], signal: io.signal });
    await emitReport(io, args, result, ruleset);
    return result.findings.length > 0 ? 1 : 0;
  },
};
