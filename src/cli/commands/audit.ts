/**
 * `audit [repo]`: every branch and tag's whole history. Each unique blob is read once; each finding
 * names the commit and path that introduced it and whether it is still in HEAD.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { prepareScan, type ConfigArgs } from '../../config/prepare.js';
import { InputError, UsageError } from '../../errors.js';
import { scanInWorkers } from '../../parallel/prescan.js';
import type { ScanResult } from '../../scan.js';
import { nameRepository } from '../../sources/git/early.js';
import { historySource, type HistoryProgress } from '../../sources/git/history.js';
import { withConfigOptions } from '../config-options.js';
import { afterDash } from '../after-dash.js';
import type { Io } from '../io.js';
import { withReportOptions, type ReportArgs } from '../report-options.js';
import { runScan } from '../run-scan.js';
import { threadsArg, withThreadsOption, type ThreadsArgs } from '../threads-option.js';
import { verifyHooks, withVerifyOptions, type VerifyArgs } from '../verify-options.js';

export interface AuditArgs extends ReportArgs, VerifyArgs, ConfigArgs, ThreadsArgs {
  repo?: string;
  'include-unreachable'?: boolean;
}

function mb(n: number): string {
  return `${(n / 1048576).toFixed(1)} MB`;
}

/** Progress line for the spinner. */
export function progressText(p: HistoryProgress, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? p.bytes / 1048576 / (elapsedMs / 1000) : 0;
  return `Auditing history: ${p.blobs.toLocaleString('en-US')} blobs, ${p.commits.toLocaleString('en-US')} commits, ${mb(p.bytes)} (${rate.toFixed(1)} MB/s)`;
}

interface Spinner {
  update(): void;
  stop(): void;
}

/**
 * Whether a terminal is 0 columns wide: a pseudo-terminal whose size was never set (`script` run
 * without a terminal, some CI and agent wrappers). ora (9.4.1) divides by the width to count the
 * lines it must clear, and clears Infinity of them: the run never ends and writes without bound.
 */
function zeroWidth(stream: Io['stderr']): boolean {
  const columns = (stream as { columns?: unknown }).columns;
  return typeof columns === 'number' && !(columns > 0);
}

/** An ora spinner on stderr, only on a TTY with a width, never in CI or with --quiet. */
export async function startSpinner(io: Io, quiet: boolean, text: () => string): Promise<Spinner> {
  const ci = io.env['CI'] !== undefined && io.env['CI'] !== '' && io.env['CI'] !== 'false';
  if (quiet || ci || io.stderr.isTTY !== true || io.env['TERM'] === 'dumb' || zeroWidth(io.stderr)) return { update() {}, stop() {} };
  const { default: ora } = await import('ora');
  const spinner = ora({ text: text(), stream: io.stderr as unknown as NodeJS.WritableStream, discardStdin: false }).start();
  let last = 0;
  return {
    update() {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      spinner.text = text();
    },
    stop() {
      spinner.stop();
    },
  };
}

export const auditCommand = {
  command: 'audit [repo]',
  describe: 'Scan the whole git history (every branch and tag, commit messages too); each finding names the commit that introduced it',
  builder: (y: Argv) =>
    withThreadsOption(withConfigOptions(withVerifyOptions(withReportOptions(y))))
      .positional('repo', { type: 'string', describe: 'The repository (default: the current one)' })
      .option('include-unreachable', {
        type: 'boolean',
        default: false,
        describe: 'Also scan objects reachable only from reflogs, and dangling ones',
      })
      .example('$0 audit', 'Audit the current repository')
      .example('$0 audit ../other-repo -f sarif -o audit.sarif', 'SARIF for another repository'),

  async run(args: AuditArgs, io: Io): Promise<number> {
    // `audit -- ../repo`: the repository may follow `--`; one repository only.
    const dashed = afterDash(args as { _?: unknown[] });
    if (dashed.length > (args.repo === undefined ? 1 : 0)) {
      throw new UsageError(`audit: takes one repository; unexpected argument '${dashed[args.repo === undefined ? 1 : 0]}'`);
    }
    if (dashed.length) args.repo = dashed[0];
    const dir = path.resolve(io.cwd, args.repo ?? '.');
    const threads = threadsArg(args);
    const st = await stat(dir).catch(() => null);
    if (!st?.isDirectory()) {
      const shown = args.repo ?? dir;
      throw new InputError(st ? `audit: ${shown} is a file: audit takes a repository's folder (scan a file with \`scan ${shown}\`)` : `audit: ${shown}: no such directory`);
    }
    // The folder named is the repository audited, whatever GIT_DIR says (git sets it for `rebase -x` …).
    if (args.repo !== undefined) nameRepository(dir);
    // Blobs and commits are read here as one git stream; worker threads scan them.
    const hist = await historySource({
      cwd: dir,
      includeUnreachable: args['include-unreachable'],
      maxFileSize: args['max-file-size'],
    });
    const root = hist.repo.root ?? hist.repo.cwd;
    const { ruleset, pipeline, history } = await prepareScan({ io, args, root, reportDir: root });
    const hooks = verifyHooks(args, io, ruleset);
    if (!hist.repo.head && !args.quiet) {
      io.stderr.write(`${root}: HEAD has no commits yet; only other refs${args['include-unreachable'] ? ' and unreachable objects' : ''} are audited.\n`);
    }
    const started = Date.now();
    const spinner = await startSpinner(io, args.quiet, () => progressText(hist.progress, Date.now() - started));
    try {
      const { code } = await runScan({
        io,
        args,
        ruleset,
        // Scanned by worker threads (without them: read and scanned here).
        events: scanInWorkers(hist.events, { ruleset, threads, signal: io.signal }),
        pipeline: {
          ...pipeline,
          // The first blob finding starts the log pass that maps findings to commits, while the scan goes on.
          suppress: (f, ctx) => {
            if (ctx.item.blob) hist.warm();
            return history.suppress(f, ctx);
          },
          onProgress: () => spinner.update(),
        },
        exitCode: hooks.exitCode,
        afterScan: async (result: ScanResult) => {
          spinner.stop();
          // Blob findings' real paths: the config's ignore globs and path rules apply now.
          await hist.annotate(result, history.later);
          await hooks.afterScan?.(result);
        },
      });
      return code;
    } finally {
      spinner.stop();
    }
  },
};
