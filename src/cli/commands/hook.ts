/**
 * `hook install [--pre-push] [--force]`, `hook uninstall`, and `hook run pre-commit|pre-push` (what
 * the installed hook calls). Hooks are written where git runs them (`git rev-parse --git-path hooks`
 * honours core.hooksPath, worktrees and submodules); a hook we did not write is never replaced
 * without --force, and uninstall removes only ours.
 */
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv } from 'yargs';
import { prepareScan, type ConfigArgs } from '../../config/prepare.js';
import { crypto } from '../../builtin.js';
import { ExitCode, InputError, UsageError } from '../../errors.js';
import { commitsSource, parsePushLines, pushedTagsSource, resolvePushRange, type PushUpdate } from '../../sources/git/commits.js';
import { gitText, openRepo, type RepoInfo } from '../../sources/git/repo.js';
import { stagedSource } from '../../sources/git/staged.js';
import { concatSources, type SourceEvent } from '../../sources/types.js';
import { withoutIgnored } from '../git-scan.js';
import { afterDash } from '../after-dash.js';
import type { Io } from '../io.js';
import { withReportOptions, type ReportArgs } from '../report-options.js';
import { runScan } from '../run-scan.js';
import { withConfigOptions } from '../config-options.js';

export const HOOK_TYPES = ['pre-commit', 'pre-push'] as const;
export type HookType = (typeof HOOK_TYPES)[number];

/** The line that marks a hook file as ours. */
export const HOOK_MARKER = '# hubspot-secrets hook: installed by `hubspot-secrets hook install`';
const BACKUP_SUFFIX = '.hubspot-secrets.bak';

export interface HookArgs extends ReportArgs, ConfigArgs {
  action: string;
  'hook-type'?: string;
  args?: string[];
  'pre-push'?: boolean;
  force?: boolean;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The bundled bin next to this package: `<package root>/dist/cli.js`, found from this module's location. */
export function bundledBin(from = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(from);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'hubspot-secrets') return path.join(dir, 'dist', 'cli.js');
      } catch {
        /* not ours; keep looking */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new UsageError('hook install: cannot find the hubspot-secrets package (dist/cli.js) this command runs from');
    dir = up;
  }
}

/** The line that says what the rest of an installed hook was when it was written (its SHA-256, 16 hex). */
const DIGEST_LINE = /^# hubspot-secrets hook digest: ([0-9a-f]{16})\n/m;

function digestOf(text: string): string {
  return crypto().createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * The hook script: the same node and the same bundled bin, by absolute path. Its third line is the
 * digest of the rest, so a hook edited since it was written is told from one that was not.
 */
export function hookScript(type: HookType, node: string, bin: string): string {
  const bypass = type === 'pre-commit' ? 'git commit --no-verify' : 'git push --no-verify';
  const head = `#!/bin/sh
${HOOK_MARKER}; \`hubspot-secrets hook uninstall\` removes it.
`;
  const rest = `# Blocks ${type === 'pre-commit' ? 'commits' : 'pushes'} that add HubSpot credentials. Bypass once: ${bypass}
node=${shellQuote(node)}
bin=${shellQuote(bin)}
if [ ! -x "$node" ] || [ ! -f "$bin" ]; then
  echo "hubspot-secrets ${type} hook: cannot find $node or $bin (moved or uninstalled?)." >&2
  echo "Reinstall it with 'hubspot-secrets hook install${type === 'pre-push' ? ' --pre-push' : ''}', or bypass this check once with: ${bypass}" >&2
  exit 2
fi
exec "$node" "$bin" hook run ${type} "$@"
`;
  return `${head}# hubspot-secrets hook digest: ${digestOf(head + rest)}\n${rest}`;
}

async function hooksDir(repo: RepoInfo): Promise<string> {
  return gitText(repo.cwd, ['rev-parse', '--path-format=absolute', '--git-path', 'hooks']);
}

/**
 * Whether a hook holding our marker is as it was written: its digest line matches the rest. A hook
 * written before the digest line existed has none, and counts as unchanged (as all ours did then).
 */
function unchanged(text: string): boolean {
  const m = DIGEST_LINE.exec(text);
  if (!m) return true;
  return digestOf(text.slice(0, m.index) + text.slice(m.index + m[0].length)) === m[1];
}

/**
 * Whose a hook file is: `none` (no file, nor a link), `ours` (written by hook install and unchanged),
 * `edited` (ours, then changed: the user's lines are in it), or `theirs` (anything else, a symbolic
 * link among them, even one to nothing: writing through it would create a file elsewhere).
 */
function hookState(file: string): 'none' | 'ours' | 'edited' | 'theirs' {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return 'none';
  }
  if (!st.isFile()) return 'theirs';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 'theirs';
  }
  if (!text.includes(HOOK_MARKER)) return 'theirs';
  return unchanged(text) ? 'ours' : 'edited';
}

/** A file-system failure while installing or removing a hook, said as such (it was an "internal error" with a stack: found by a trial). */
function fsFailure(action: string, file: string, err: unknown): never {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string') throw err;
  const why: Record<string, string> = { EACCES: 'permission denied', EPERM: 'not permitted', EROFS: 'read-only file system', EEXIST: 'a file is in the way of the hooks folder', ENOTDIR: 'a file is in the way of the hooks folder' };
  throw new InputError(`hook ${action}: cannot write ${file}: ${e.code}${why[e.code] ? ` (${why[e.code]})` : ''}; check the hooks folder (git rev-parse --git-path hooks, core.hooksPath)`);
}

/**
 * A warning when the bin is in npx's cache (`…/_npx/<hash>/…`): the hook names it by absolute path, and
 * that cache is cleared and replaced, after which every commit stops with "cannot find" (found by a trial).
 */
export function npxCacheWarning(bin: string): string | null {
  return /[\\/]_npx[\\/]/.test(bin)
    ? `warning: the hook runs ${bin}, in npx's temporary cache; when npx clears it, commits stop until the hook is reinstalled. Install hubspot-secrets in the project (npm i -D hubspot-secrets) and run its hook install instead.`
    : null;
}

async function install(args: HookArgs, io: Io): Promise<number> {
  const type: HookType = args['pre-push'] ? 'pre-push' : 'pre-commit';
  const repo = await openRepo(io.cwd);
  // A bare repository runs no pre-commit or pre-push hook: installing one there protects nothing
  // (it said "Installed", exit 0: found by a trial).
  if (repo.root === undefined) {
    throw new InputError(`hook install: ${repo.cwd} is a bare repository; git runs no pre-commit or pre-push hook there. Install the hook in each clone (or run \`hubspot-secrets audit\` on this one).`);
  }
  const dir = await hooksDir(repo);
  const file = path.join(dir, type);
  const backup = file + BACKUP_SUFFIX;
  const bin = bundledBin();
  const script = hookScript(type, process.execPath, bin);
  const say = (s: string) => {
    if (!args.quiet) io.stderr.write(`${s}\n`);
  };
  const npx = npxCacheWarning(bin);
  // Said even with --quiet: the hook would stop working later, with nothing else to tell why.
  if (npx) io.stderr.write(`${npx}\n`);
  const state = hookState(file);
  // husky 9 points core.hooksPath at .husky/_, its own generated scripts that run .husky/<hook>:
  // a hook written there would replace husky's (and be overwritten by its next install).
  if (path.basename(dir) === '_' && path.basename(path.dirname(dir)) === '.husky' && state !== 'ours') {
    const own = path.join(path.dirname(dir), type);
    throw new InputError(
      `hook install: this repository's hooks are husky's (core.hooksPath is ${dir}); left them unchanged, --force or not. ` +
        `Add \`npx --no -- hubspot-secrets hook run ${type}${type === 'pre-push' ? ' "$@"' : ''}\` to ${own} instead (README: Git hooks).`,
    );
  }
  if (state === 'theirs' || state === 'edited') {
    const whose = state === 'edited' ? 'was written by hubspot-secrets and has been edited since' : 'was not written by hubspot-secrets';
    if (!args.force) {
      throw new InputError(
        `hook install: ${file} already exists and ${whose}; left it unchanged. ` +
          `Re-run with --force to replace it (it is kept as ${type}${BACKUP_SUFFIX}), or add \`hubspot-secrets hook run ${type}\` to it yourself.`,
      );
    }
    // One backup only: a second --force would overwrite the user's original (found by a trial).
    if (hookState(backup) !== 'none') {
      throw new InputError(`hook install: ${backup} already holds a hook kept by an earlier --force; left both unchanged. Move that backup away first (it is the hook \`hubspot-secrets hook uninstall\` would restore).`);
    }
    // A symbolic link is moved itself, never written through.
    await rename(file, backup).catch((err: unknown) => fsFailure('install', file, err));
    say(`Replaced the existing ${type} hook (--force); the old one is kept as ${backup}.`);
  }
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(file, script);
    await chmod(file, 0o755);
  } catch (err) {
    fsFailure('install', file, err);
  }
  say(`${state === 'ours' ? 'Updated' : 'Installed'} the hubspot-secrets ${type} hook: ${file}`);
  return ExitCode.Clean;
}

async function uninstall(args: HookArgs, io: Io): Promise<number> {
  const dir = await hooksDir(await openRepo(io.cwd));
  const lines: string[] = [];
  // --pre-push: that hook only (it removed both: found by a trial); without it, both.
  for (const type of args['pre-push'] ? (['pre-push'] as const) : HOOK_TYPES) {
    const file = path.join(dir, type);
    const state = hookState(file);
    if (state === 'none') continue;
    if (state === 'theirs') {
      lines.push(`Left ${file} alone: hubspot-secrets did not write it.`);
      continue;
    }
    if (state === 'edited') {
      // The user's lines are in it (removing it lost them: found by a trial).
      lines.push(`Left ${file} alone: hubspot-secrets wrote it, but it has been edited since; remove its hubspot-secrets lines yourself.`);
      continue;
    }
    try {
      await rm(file);
      if (hookState(file + BACKUP_SUFFIX) !== 'none') {
        await rename(file + BACKUP_SUFFIX, file);
        lines.push(`Removed the hubspot-secrets ${type} hook and restored the one it replaced: ${file}`);
      } else {
        lines.push(`Removed the hubspot-secrets ${type} hook: ${file}`);
      }
    } catch (err) {
      fsFailure('uninstall', file, err);
    }
  }
  if (!lines.length) lines.push(`No hubspot-secrets hook is installed in ${dir}.`);
  if (!args.quiet) io.stderr.write(`${lines.join('\n')}\n`);
  return ExitCode.Clean;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * What a pre-push hook scans: the commits, from stdin lines from git or the pre-commit framework's
 * env, and from git's lines the rest a push sends (pushedTagsSource: the framework passes commits only).
 */
async function pushed(io: Io, repo: RepoInfo, remote: string | undefined): Promise<{ commits: string[]; updates: PushUpdate[] }> {
  const stdin = io.stdin.isTTY ? '' : await readAll(io.stdin);
  return { commits: await pushCommits(io, stdin, repo, remote), updates: parsePushLines(stdin) };
}

/** The remote pushed to: git's first argument to the hook, or the pre-commit framework's variable. */
function pushRemote(io: Io, remote: string | undefined): { remote?: string } {
  const name = remote ?? io.env['PRE_COMMIT_REMOTE_NAME'];
  return name !== undefined ? { remote: name } : {};
}

async function pushCommits(io: Io, gitStdin: string, repo: RepoInfo, remote: string | undefined): Promise<string[]> {
  let stdin = gitStdin;
  const from = io.env['PRE_COMMIT_FROM_REF'];
  const to = io.env['PRE_COMMIT_TO_REF'];
  const local = io.env['PRE_COMMIT_LOCAL_BRANCH'];
  if (!stdin.trim() && !to && local) {
    // The pre-commit framework pushing a branch from its root commit: no range, only the branch.
    const sha = await gitText(io.cwd, ['rev-parse', '--verify', '--end-of-options', `${local}^{commit}`]);
    return resolvePushRange({ cwd: io.cwd, stdin: `${local} ${sha} refs/heads/unknown ${'0'.repeat(sha.length)}\n`, repo, ...pushRemote(io, remote) });
  }
  if (!stdin.trim() && !to) return unannounced(io, repo, remote);
  if (!stdin.trim() && to) {
    // The pre-commit framework consumes git's stdin and passes the range in the environment.
    const zero = '0'.repeat(40);
    const toSha = await gitText(io.cwd, ['rev-parse', '--verify', '--end-of-options', `${to}^{commit}`]);
    const fromSha = from ? await gitText(io.cwd, ['rev-parse', '--verify', '--end-of-options', `${from}^{commit}`]) : zero;
    stdin = `HEAD ${toSha} refs/heads/unknown ${fromSha}\n`;
  }
  return resolvePushRange({ cwd: io.cwd, stdin, repo, ...pushRemote(io, remote) });
}

/**
 * A pre-push hook given no line on its standard input: git writes none when nothing is sent (the
 * refs pushed are up to date, even while HEAD's own branch has commits the remote lacks), and a hook
 * manager that does not pass git's standard input on (lefthook without `use_stdin: true`) sends
 * none either, whatever is pushed. The two cannot be told apart, so nothing is checked (checking
 * HEAD's commits would block up-to-date pushes of other branches); when HEAD has commits the remote
 * named lacks (where a dropped input would hide them), a warning says so.
 */
async function unannounced(io: Io, repo: RepoInfo, remote: string | undefined): Promise<string[]> {
  if (!repo.head) return [];
  // The remote's tracking branches when it is a configured remote, else every remote's.
  const named = remote && /^[\w.-]+$/.test(remote) && (await gitText(io.cwd, ['for-each-ref', '--count=1', '--format=%(refname)', `refs/remotes/${remote}/`]));
  const ahead = await gitText(io.cwd, ['rev-list', '-n1', repo.head, '--not', named ? `--remotes=${remote}` : '--remotes']);
  if (ahead) {
    io.stderr.write(
      `hubspot-secrets: pre-push: git named no ref to push on standard input, so nothing was checked, though HEAD has commits ${named ? remote : 'no remote-tracking branch'} ${named ? 'lacks' : 'has'}. ` +
        "Fine when the refs pushed are up to date; if a hook manager runs this hook, make it pass git's standard input on (lefthook: use_stdin: true).\n",
    );
  }
  return [];
}

async function runHook(args: HookArgs, io: Io): Promise<number> {
  const type = args['hook-type'] as HookType | undefined;
  if (!type || !HOOK_TYPES.includes(type)) throw new UsageError(`hook run: name the hook: ${HOOK_TYPES.join(' or ')}`);
  const repo = await openRepo(io.cwd);
  const root = repo.root ?? repo.cwd;
  const { ruleset, pipeline, ignore } = await prepareScan({ io, args, root, reportDir: root });
  let events: AsyncIterable<SourceEvent>;
  /** What was scanned, in words (known once the scan is done). */
  let what: () => string;
  if (type === 'pre-commit') {
    events = stagedSource({ cwd: root, maxFileSize: args['max-file-size'], repo });
    what = () => 'the staged changes';
  } else {
    // git's arguments to the hook: the remote's name (or its URL when it has none), then its URL.
    const { commits, updates } = await pushed({ ...io, cwd: root }, repo, args.args?.[0]);
    const maxFileSize = args['max-file-size'];
    const counts = { tags: 0, files: 0 };
    async function* counted(src: AsyncIterable<SourceEvent>): AsyncGenerator<SourceEvent> {
      for await (const e of src) {
        if (e.kind === 'item' && e.commit?.tag !== undefined) counts.tags++;
        else counts.files++;
        yield e;
      }
    }
    events = concatSources(commitsSource({ cwd: root, commits, maxFileSize, repo }), counted(pushedTagsSource({ cwd: root, updates, ...(maxFileSize !== undefined ? { maxFileSize } : {}) })));
    const n = (k: number, one: string): string => `${k} ${one}${k === 1 ? '' : 's'}`;
    what = () =>
      `the ${[commits.length ? n(commits.length, 'commit') : '', counts.tags ? n(counts.tags, 'annotated tag') : '', counts.files ? n(counts.files, 'tagged file') : ''].filter(Boolean).join(' and ') || 'refs'} being pushed`;
  }
  const { code, result } = await runScan({ io, args, ruleset, events: withoutIgnored(events, ignore), pipeline });
  if (code === ExitCode.Findings) io.stderr.write(blockedMessage(type, result.findings.length, what(), result.findings.some((f) => f.commit?.tag !== undefined)));
  return code;
}

/** What the hook tells the user when it blocks: what, where, how to fix, how to bypass once. */
export function blockedMessage(type: HookType, n: number, what: string, inTags = false): string {
  const creds = `${n} HubSpot credential${n === 1 ? '' : 's'}`;
  if (type === 'pre-commit') {
    return `
hubspot-secrets: commit blocked: ${creds} in ${what} (file, line and type listed above).
  Fix: rotate each credential in HubSpot first (see "How to fix" above), move it to an environment
       variable or secret store, remove it from the file, then \`git add\` the file and commit again.
  A false positive or an accepted risk? Record it in the baseline (\`hubspot-secrets baseline\`).
  Bypass this check once (not recommended): git commit --no-verify
`;
  }
  return `
hubspot-secrets: push blocked: ${creds} in ${what} (commit, file and line listed above).
  Fix: rotate each credential in HubSpot first (see "How to fix" above), then remove it from those
       commits (e.g. \`git rebase -i\`, or \`git commit --amend\` for the last one) and push again.
       Deleting it in a new commit is not enough: the old commit would still carry it.${
    inTags
      ? `
       In a tag's message: delete the tag (\`git tag -d <name>\`) and create it again without it.`
      : ''
  }
  Bypass this check once (not recommended): git push --no-verify
`;
}

/**
 * The options an action does not use, given anyway: refused, naming them (`hook install --config
 * x.json` was taken, and the hook it wrote never read it; `hook run pre-commit --force` ignored it:
 * found by a trial). An option at its default value is not told from one not given; it changes
 * nothing either way.
 */
function refuseUnused(args: HookArgs): void {
  const given: [string, boolean][] =
    args.action === 'run'
      ? [
          ['--pre-push', args['pre-push'] === true],
          ['--force', args.force === true],
        ]
      : [
          ['--format', args.format !== undefined && args.format !== 'text'],
          ['--output', args.output !== undefined],
          ['--show-secrets', args['show-secrets'] === true],
          ['--show-suppressed', args['show-suppressed'] === true],
          ['--max-file-size', args['max-file-size'] !== undefined],
          ['--strict', args.strict === true],
          [args.config === false ? '--no-config' : '--config', args.config !== undefined],
          [args.baseline === false ? '--no-baseline' : '--baseline', args.baseline !== undefined],
          ['--force', args.action === 'uninstall' && args.force === true],
        ];
  const unused = given.filter(([, g]) => g).map(([name]) => name);
  if (!unused.length) return;
  const takes =
    args.action === 'install'
      ? 'it takes --pre-push, --force and --quiet; the hook reads the repository\'s own config and baseline when it runs'
      : args.action === 'uninstall'
        ? 'it takes --pre-push (that hook only) and --quiet'
        : 'it takes the scan options (--config, --baseline, --format …); --pre-push and --force are for install';
  throw new UsageError(`hook ${args.action} does not use ${unused.join(', ')}: ${takes}`);
}

export const hookCommand = {
  command: 'hook <action> [hook-type] [args..]',
  describe: 'Install or remove the git pre-commit / pre-push hook (hook install [--pre-push] [--force], hook uninstall)',
  builder: (y: Argv) =>
    withConfigOptions(withReportOptions(y))
      .positional('action', { choices: ['install', 'uninstall', 'run'], describe: 'install, uninstall, or run (what the installed hook calls)' })
      .positional('hook-type', { type: 'string', describe: 'For run: pre-commit or pre-push' })
      .positional('args', { type: 'string', array: true, describe: 'Arguments git passes to the hook (ignored)' })
      .option('pre-push', { type: 'boolean', default: false, describe: 'install: the pre-push hook (scans the commits being pushed) instead of pre-commit; uninstall: that hook only' })
      .option('force', { type: 'boolean', default: false, describe: 'install: replace a hook hubspot-secrets did not write (kept as <hook>.hubspot-secrets.bak)' })
      .example('$0 hook install', 'Block commits that add HubSpot credentials')
      .example('$0 hook install --pre-push', 'Block pushes of commits that add them')
      .example('$0 hook uninstall', 'Remove the hooks hubspot-secrets installed'),

  async run(args: HookArgs, io: Io): Promise<number> {
    // What follows `--`: more of git's arguments for run; install and uninstall take none.
    const dashed = afterDash(args as { _?: unknown[] });
    if (args.action === 'run') args.args = [...(args.args ?? []), ...dashed];
    const unexpected = args['hook-type'] ?? dashed[0];
    if (args.action !== 'run' && unexpected !== undefined) {
      throw new UsageError(`hook ${args.action}: unexpected argument '${unexpected}' (use --pre-push for the pre-push hook)`);
    }
    refuseUnused(args);
    if (args.action === 'install') return install(args, io);
    if (args.action === 'uninstall') return uninstall(args, io);
    return runHook(args, io);
  },
};

