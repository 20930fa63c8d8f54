/** `scan --staged` and `scan --commits <range>`: the git sources behind the scan command's options. */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { TOOL_NAME } from '../version.js';
import { commitsSource } from '../sources/git/commits.js';
import { openRepo, type RepoInfo } from '../sources/git/repo.js';
import { stagedSource } from '../sources/git/staged.js';
import type { SourceEvent } from '../sources/types.js';
import type { Io } from './io.js';

export interface GitScanArgs {
  staged?: boolean;
  commits?: string;
  paths?: string[];
  'max-file-size'?: number;
}

export function withGitScanOptions<T>(y: Argv<T>) {
  return y
    .option('staged', {
      type: 'boolean',
      describe: 'Scan what the next commit adds (the index, as staged with git add / git add -p); paths are relative to the repository root',
    })
    .option('commits', {
      type: 'string',
      describe: 'Scan what these commits introduce, and their messages: A..B, A...B or one commit (e.g. origin/main..HEAD)',
    })
    .conflicts('staged', 'commits');
}

export function isGitScan(args: GitScanArgs): boolean {
  return args.staged === true || args.commits !== undefined;
}

/** The repository: git sources report paths relative to its root, and config is looked for there. */
export async function openGitRepo(io: Io): Promise<RepoInfo> {
  return openRepo(io.cwd);
}

/** Drop (as `ignored` skips) the paths the config ignores. */
export async function* withoutIgnored(events: AsyncIterable<SourceEvent>, ignore?: (relPath: string) => boolean): AsyncGenerator<SourceEvent> {
  for await (const ev of events) {
    if (ignore && ev.kind === 'item' && !ev.commit?.message && ignore(ev.path)) yield { kind: 'skip', path: ev.path, reason: 'ignored' };
    else yield ev;
  }
}

/** Events for --staged / --commits. */
export function gitScanEvents(args: GitScanArgs, io: Io, ignore?: (relPath: string) => boolean, repo?: RepoInfo): AsyncIterable<SourceEvent> {
  if (args.paths?.length) {
    throw new UsageError(`${args.staged ? '--staged' : '--commits'} scans the whole repository; it cannot be combined with paths`);
  }
  const maxFileSize = args['max-file-size'];
  const events = args.staged
    ? stagedSource({ cwd: io.cwd, maxFileSize, repo })
    : commitsSource({
        cwd: io.cwd,
        range: args.commits!,
        maxFileSize,
        repo,
        // An empty range is not a clean one: say that nothing was scanned (`main..main`, a branch merged already).
        onCommits: (n) => {
          if (n === 0) io.stderr.write(`${TOOL_NAME}: --commits ${args.commits!.trim()}: the range holds no commits; nothing was scanned\n`);
        },
      });
  return withoutIgnored(events, ignore);
}
