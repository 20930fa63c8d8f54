/**
 * git commands started before the rest of the tool loads. Every git mode (`scan --staged`, the
 * pre-commit hook, `--commits`, `audit`) first asks `rev-parse` what the repository is (openRepo);
 * when the command line says such a run is coming, src/bin.ts starts those two calls at once, and
 * they run on another core while the modules load (~40 ms) instead of after. gitRun takes a
 * result started here for the same directory and arguments (once) as if it had started the call
 * itself; a guess that was wrong costs one short idle git process, never a different result.
 *
 * Kept free of everything but node:child_process so src/bin.ts can load it before the rest.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Environment for every git child: no prompts, no optional index writes, messages we can parse, and
 * the objects as they are: neither a `git replace` nor a graft (`.git/info/grafts`, deprecated but
 * still read by git) may hide history from an audit or what a push sends. A graft file that cannot be
 * read is no grafts to git (also where /dev/null does not exist); a shallow clone's boundary is still
 * read (and refused where it hides a range).
 */
export function gitEnv(extra?: Record<string, string>): NodeJS.ProcessEnv {
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
      child = spawn('git', args, { cwd, env: gitEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
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
