import type { Argv } from 'yargs';
import { ExitCode, UsageError } from '../../errors.js';
import { display } from '../../report/display.js';
import { OPEN_FLAGS, reportPaths } from '../../sources/files.js';
import { TOOL_NAME } from '../../version.js';
import { lstat, open, opendir, stat } from 'node:fs/promises';
import path from 'node:path';
import { prepareScan, type ConfigArgs } from '../../config/prepare.js';
import type { RuleSet } from '../../core/types.js';
import { parallelFileSource } from '../../parallel/source.js';
import { stdinSource } from '../../sources/stdin.js';
import type { SourceOutput } from '../../sources/types.js';
import { withConfigOptions } from '../config-options.js';
import type { RepoInfo } from '../../sources/git/repo.js';
import { gitScanEvents, isGitScan, openGitRepo, withGitScanOptions, type GitScanArgs } from '../git-scan.js';
import { afterDash } from '../after-dash.js';
import { DASH, type Io } from '../io.js';
import { withReportOptions, type ReportArgs } from '../report-options.js';
import { runScan } from '../run-scan.js';
import { threadsArg, withThreadsOption, type ThreadsArgs } from '../threads-option.js';
import { verifyHooks, withVerifyOptions, type VerifyArgs } from '../verify-options.js';
import { maskPath } from '../../report/paths.js';

export interface ScanArgs extends ReportArgs, VerifyArgs, ConfigArgs, GitScanArgs, ThreadsArgs {
  paths?: string[];
  'stdin-filename'?: string;
}

export const scanCommand = {
  command: 'scan [paths..]',
  describe: 'Scan files and folders (default .), or standard input with -',
  builder: (y: Argv) =>
    withThreadsOption(withGitScanOptions(withConfigOptions(withVerifyOptions(withReportOptions(y)))))
      .positional('paths', { type: 'string', array: true, describe: 'Files or folders to scan; - reads standard input' })
      .option('stdin-filename', { type: 'string', describe: 'Name to report for standard input' })
      .example('$0 scan', 'Scan the current folder')
      .example('$0 scan src config --format sarif -o results.sarif', 'SARIF for code scanning')
      .example('git show HEAD:app.env | $0 scan - --stdin-filename app.env', 'Scan standard input')
      .example('$0 scan --staged', 'What the next commit adds (pre-commit)')
      .example('$0 scan --commits origin/main..HEAD', 'What these commits introduce, messages included'),

  async run(args: ScanArgs, io: Io): Promise<number> {
    // `scan -- -rf.env`: what follows `--` are paths too.
    const dashed = afterDash(args as { _?: unknown[] });
    if (dashed.length) args.paths = [...(args.paths ?? []), ...dashed];
    const stdinGiven = (args.paths ?? []).includes(DASH);
    // An empty name would be an empty path in every report (and an empty SARIF uri): found by a trial.
    if (args['stdin-filename'] === '') throw new UsageError('--stdin-filename needs a name (the path to report for standard input)');
    if (args['stdin-filename'] !== undefined && !stdinGiven) {
      throw new UsageError('--stdin-filename names standard input: add - to read it (scan - --stdin-filename NAME)');
    }
    const repo = isGitScan(args) ? await openGitRepo(io) : undefined;
    const git = repo ? (repo.root ?? repo.cwd) : undefined;
    const { ruleset, pipeline, ignore } = await prepareScan({ io, args, root: git ?? (await scanRoot(args, io)), reportDir: git ?? io.cwd });
    const hooks = verifyHooks(args, io, ruleset);
    const { code, result } = await runScan({ io, args, ruleset, events: scanEvents(args, io, ignore, ruleset, repo), pipeline, ...hooks });
    if (code === ExitCode.Interrupted || code === ExitCode.Error || isGitScan(args)) return code;
    // A file or folder named on the command line that could not be read fails the run, as a missing
    // one does: the scan asked for was not done (a hook naming its files must not pass on it). Ones
    // found inside a named folder are warnings (--strict makes them fail too).
    const report = reportPaths(io.cwd);
    const named = new Map<string, string>();
    for (const p of args.paths?.length ? args.paths : ['.']) {
      const abs = path.resolve(io.cwd, p);
      if (p !== DASH) named.set(report(abs), abs);
    }
    // A warning names a path as reported: the current folder is reported by its name, as a folder in
    // it of the same name would be (mysite/mysite). The named path itself is tried again to tell.
    const unread: typeof result.warnings = [];
    for (const w of result.warnings) {
      const abs = w.reason === 'unreadable' ? named.get(w.path) : undefined;
      if (abs !== undefined && !(await readable(abs))) unread.push(w);
    }
    if (unread.length === 0) return code;
    for (const w of unread) io.stderr.write(`${TOOL_NAME}: ${display(maskPath(w.path))}: ${display(w.message)}; it was named to be scanned, so nothing may be concluded from this run\n`);
    return ExitCode.Error;
  },
};

/** Whether a file can be opened as the scan opens it (OPEN_FLAGS), or a folder listed, now. */
async function readable(abs: string): Promise<boolean> {
  try {
    const st = await lstat(abs);
    if (st.isDirectory()) await (await opendir(abs)).close();
    else if (st.isFile()) await (await open(abs, OPEN_FLAGS)).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Where config and baseline are looked for: the folder when exactly one folder is scanned, else
 * the current folder (a folder above either, up to the repository root, also counts).
 */
export async function scanRoot(args: { paths?: string[] }, io: Io): Promise<string> {
  const paths = args.paths?.length ? args.paths : ['.'];
  if (paths.length !== 1 || paths[0] === DASH) return io.cwd;
  const abs = path.resolve(io.cwd, paths[0]!);
  const st = await stat(abs).catch(() => null);
  return st?.isDirectory() ? abs : io.cwd;
}

/** Which source a `scan` invocation reads. */
export function scanEvents(
  args: ScanArgs,
  io: Io,
  ignore: ((relPath: string) => boolean) | undefined,
  ruleset: RuleSet,
  repo?: RepoInfo,
): AsyncIterable<SourceOutput> {
  if (isGitScan(args)) return gitScanEvents(args, io, ignore, repo);
  const paths = args.paths?.length ? args.paths : ['.'];
  if (paths.includes(DASH)) {
    if (paths.length > 1) throw new UsageError('scan: - (standard input) cannot be combined with paths');
    return stdinSource(io.stdin, args['stdin-filename'], args['max-file-size']);
  }
  const threads = threadsArg(args);
  return parallelFileSource(paths, { cwd: io.cwd, maxFileSize: args['max-file-size'], ignore, ruleset, threads, signal: io.signal });
}
