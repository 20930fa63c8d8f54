/**
 * git commands started before the rest of the tool loads. Every git mode (`scan --staged`, the
 * pre-commit hook, `--commits`, `audit`) first asks `rev-parse` what the repository is (openRepo);
 * when the command line says such a run is coming, src/bin.ts starts those two calls at once, and
 * they run on another core while the modules load (~40 ms) instead of after. gitRun takes a
 * result started here for the same directory and arguments (once) as if it had started the call
 * itself; a guess that was wrong costs one short idle git process, never a different result.
 *
 * Kept free of everything but node:child_process and node:path so src/bin.ts can load it before the rest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * Settings every git call is given (`-c`, before the subcommand): whatever the user's config says, the
 * output read is the one parsed. `log.showSignature` would put gpg's "Good signature" lines among a
 * log's commits; `log.showRoot=false` hides what a root commit adds from the introduction log (and
 * with it the commit and path of a secret added there); `log.diffMerges` other than `separate` changes
 * what `-m` shows. The graft advice is git's note on the GIT_GRAFT_FILE below: without this it is
 * printed on every call, in place of git's own error in a failure's message.
 */
export const GIT_CONFIG: readonly string[] = [
  '-c', 'advice.graftFileDeprecated=false',
  '-c', 'log.showSignature=false',
  '-c', 'log.showRoot=true',
  '-c', 'log.diffMerges=separate',
];

/** Where git finds a repository when the environment says (git sets GIT_DIR for a linked worktree's hooks, for `rebase -x` …). */
const LOCATION_VARS = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES'] as const;

/** Folders (resolved) whose git calls ignore the environment's repository location (nameRepository). */
const named = new Set<string>();

/**
 * The run names its repository (`audit <folder>`): that folder's repository is the one read, whatever
 * GIT_DIR / GIT_WORK_TREE … say (set by git for the command that started this one, they would make
 * every call read another repository). Git calls in `dir` (and, once openRepo has found it, in the
 * repository's top) then get an environment without them. Call before the first git call there.
 */
export function nameRepository(dir: string): void {
  named.add(path.resolve(dir));
}

/** Whether git calls in `dir` are for a named repository (nameRepository). */
export function isNamedRepository(dir: string): boolean {
  return named.has(path.resolve(dir));
}

/** Whether the environment says where the repository is (a guess started early could then be for another one). */
export function locatedByEnv(): boolean {
  return LOCATION_VARS.some((v) => process.env[v] !== undefined);
}

/**
 * Environment for every git child: no prompts, no optional index writes, messages we can parse, and
 * the objects as they are: neither a `git replace` nor a graft (`.git/info/grafts`, deprecated but
 * still read by git) may hide history from an audit or what a push sends. A graft file that cannot be
 * read is no grafts to git (also where /dev/null does not exist); a shallow clone's boundary is still
 * read (and refused where it hides a range). A relative GIT_DIR / GIT_WORK_TREE means what git would have made of it where this run started
 * (git runs here from the repository's top, where it would name another folder); with a named
 * repository (nameRepository: git calls in `cwd` are for it) the environment's location is not used at all.
 */
export function gitEnv(cwd?: string, extra?: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_OPTIONAL_LOCKS: '0',
    GIT_TERMINAL_PROMPT: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_GRAFT_FILE: '/dev/null',
    LC_ALL: 'C',
    ...extra,
  };
  // `-u3` there overrides the `-U0` the diffs are asked with: context lines would count as added.
  delete env['GIT_DIFF_OPTS'];
  if (cwd !== undefined && isNamedRepository(cwd)) {
    for (const v of LOCATION_VARS) delete env[v];
  } else {
    for (const v of ['GIT_DIR', 'GIT_WORK_TREE'] as const) {
      const value = env[v];
      if (value) env[v] = path.resolve(process.cwd(), value);
    }
  }
  return env;
}

/** openRepo's two calls (src/sources/git/repo.ts): HEAD's commit, and what the repository is. */
export const REV_PARSE_HEAD: readonly string[] = ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'];
export const REV_PARSE_REPO: readonly string[] = ['rev-parse', '--is-bare-repository', '--is-shallow-repository', '--show-object-format', '--absolute-git-dir', '--show-toplevel'];

/** How a git call started here ended: its exit code (null: a signal), its output, or why it could not start. */
export interface EarlyResult {
  code: number | null;
  stdout: Buffer;
  stderr: Buffer;
  error?: Error;
}

const started = new Map<string, Promise<EarlyResult>>();
const key = (cwd: string, args: readonly string[]): string => `${cwd}\u0000${args.join('\u0000')}`;

/** Start `git args…` in `cwd` now (no input; the environment gitRun gives git). */
export function startEarly(cwd: string, args: readonly string[]): void {
  const k = key(cwd, args);
  if (started.has(k)) return;
  const result = new Promise<EarlyResult>((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn('git', [...GIT_CONFIG, ...args], { cwd, env: gitEnv(cwd), stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: null, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), error: err as Error });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    const kill = (): void => void child.kill();
    process.on('exit', kill);
    child.on('error', (e) => {
      process.off('exit', kill);
      resolve({ code: null, stdout: Buffer.concat(out), stderr: Buffer.concat(err), error: e });
    });
    child.on('close', (code) => {
      process.off('exit', kill);
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
  started.set(k, result);
}

/** The result of `git args…` started early in `cwd`, taken once; undefined when none was. */
export function takeEarly(cwd: string, args: readonly string[]): Promise<EarlyResult> | undefined {
  const k = key(cwd, args);
  const r = started.get(k);
  started.delete(k);
  return r;
}

/**
 * Whether these arguments (as typed, after the executable) start a run that opens the repository
 * in the current directory: `scan --staged` / `--commits`, `hook run`, `audit` (`audit <folder>`
 * opens another one: its guess is wasted, a few milliseconds beside an audit's run).
 */
export function opensRepoHere(argv: readonly string[]): boolean {
  const [command, ...rest] = argv;
  const end = rest.indexOf('--');
  const opts = end === -1 ? rest : rest.slice(0, end);
  if (opts.some((a) => a === '-h' || a === '--help' || a === '--version')) return false;
  if (command === 'scan') return opts.some((a) => a === '--staged' || a === '--commits' || a.startsWith('--commits='));
  if (command === 'hook') return opts[0] === 'run';
  return command === 'audit';
}
