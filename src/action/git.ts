/**
 * The little git the Action itself needs, beyond the git sources: does a commit exist here, and
 * fetch what a shallow checkout is missing. Fetches name commits by sha and write no ref and no
 * FETCH_HEAD; only objects (and .git/shallow) change. Nothing here is printed with a secret.
 */
import { gitRun } from '../sources/git/repo.js';
import { GitError } from '../errors.js';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git in a directory; never throws for a non-zero exit. */
export type GitRunner = (args: readonly string[], cwd: string) => Promise<GitResult>;

const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);

/** The one git runner of the sources (no prompts, C locale), with every exit code returned. */
export const runGit: GitRunner = async (args, cwd) => {
  try {
    const r = await gitRun(cwd, args, { okCodes: ANY_EXIT });
    return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
  } catch (err) {
    // git could not be started (not installed, or cwd missing).
    return { code: 127, stdout: '', stderr: (err as Error).message };
  }
};

export class ActionGit {
  constructor(
    private readonly git: GitRunner,
    readonly cwd: string,
  ) {}

  async topLevel(): Promise<string | null> {
    const r = await this.git(['rev-parse', '--show-toplevel'], this.cwd);
    return r.code === 0 ? r.stdout.trim() : null;
  }

  async hasCommit(sha: string): Promise<boolean> {
    return (await this.git(['cat-file', '-e', `${sha}^{commit}`], this.cwd)).code === 0;
  }

  async isShallow(): Promise<boolean> {
    return (await this.git(['rev-parse', '--is-shallow-repository'], this.cwd)).stdout.trim() === 'true';
  }

  /** The object a local ref names (a tag ref: the tag object), or null when there is no such ref. */
  async revParse(ref: string): Promise<string | null> {
    const r = await this.git(['rev-parse', '--verify', '-q', '--end-of-options', ref], this.cwd);
    return r.code === 0 ? r.stdout.trim() : null;
  }

  /**
   * Which of `paths` (relative to the repository root) the commits of `head` not in `base` change
   * (added, changed or deleted: against their merge base, so a change only on the base side is not one).
   */
  async changed(base: string, head: string, paths: readonly string[]): Promise<string[]> {
    if (!paths.length) return [];
    const diff = (range: string[]) => this.git(['-c', 'core.quotePath=false', 'diff', '--name-only', '--no-renames', '-z', ...range, '--', ...paths.map((p) => `:(literal)${p}`)], this.cwd);
    let r = await diff([`${base}...${head}`]);
    // No merge base in the checkout (a shallow one the scan did not need deepening): the two trees.
    if (r.code !== 0 && /merge base/i.test(r.stderr)) r = await diff([base, head]);
    if (r.code !== 0) throw new GitError(`git diff ${base.slice(0, 12)}...${head.slice(0, 12)} failed: ${r.stderr.trim().split('\n')[0] ?? ''}`);
    return r.stdout.split('\0').filter(Boolean);
  }

  /** The sha of a branch of origin: the local remote-tracking ref, else asked of origin. */
  async remoteBranchTip(branch: string): Promise<string | null> {
    const local = await this.git(['rev-parse', '--verify', '-q', `refs/remotes/origin/${branch}^{commit}`], this.cwd);
    if (local.code === 0) return local.stdout.trim();
    const r = await this.git(['ls-remote', '--', 'origin', `refs/heads/${branch}`], this.cwd);
    const m = r.code === 0 ? /^([0-9a-f]{40,64})\t/m.exec(r.stdout) : null;
    return m ? m[1]! : null;
  }

  private async fetch(extra: readonly string[], shas: readonly string[]): Promise<GitResult> {
    return this.git(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--no-recurse-submodules', ...extra, 'origin', ...shas], this.cwd);
  }

  /** Fetch commits missing here by sha; returns the ones still missing. */
  async fetchMissing(shas: readonly string[]): Promise<{ missing: string[]; error?: string }> {
    const want: string[] = [];
    for (const s of new Set(shas)) if (!(await this.hasCommit(s))) want.push(s);
    if (!want.length) return { missing: [] };
    const r = await this.fetch([], want);
    const missing: string[] = [];
    for (const s of want) if (!(await this.hasCommit(s))) missing.push(s);
    return { missing, ...(r.code !== 0 ? { error: firstLine(r.stderr) } : {}) };
  }

  /**
   * Make a shallow checkout whole for an audit: the rest of the history, and every branch and tag of
   * origin as remote-tracking refs and tags — what `fetch-depth: 0` would have fetched.
   */
  async unshallowAll(): Promise<{ ok: boolean; error?: string }> {
    const r = await this.git(
      ['fetch', '--quiet', '--no-write-fetch-head', '--no-recurse-submodules', '--unshallow', 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'],
      this.cwd,
    );
    return r.code === 0 ? { ok: true } : { ok: false, error: firstLine(r.stderr) };
  }

  /** Deepen a shallow checkout (by `deepen` commits, or all the way when null). */
  async deepen(deepen: number | null, shas: readonly string[]): Promise<{ ok: boolean; error?: string }> {
    const r = await this.fetch(deepen === null ? ['--unshallow'] : [`--deepen=${deepen}`], shas);
    return r.code === 0 ? { ok: true } : { ok: false, error: firstLine(r.stderr) };
  }
}

function firstLine(s: string): string {
  return (s.split('\n').find((l) => l.trim() !== '') ?? '').trim();
}
