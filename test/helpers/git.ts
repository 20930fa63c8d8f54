/**
 * Real git repositories in temp dirs, made with the `git` binary (commitlint's git.bootstrap):
 * local user name / email, no signing, fixed and increasing dates so history order is stable.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { tempDir } from './tmp.js';

/** Environment for test git commands: no global or system config leaks in. */
export const GIT_TEST_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

let clock = 1_700_000_000;

export function git(cwd: string, args: string[], opts: { input?: string | Buffer; env?: Record<string, string>; ok?: boolean } = {}): string {
  const r = spawnSync('git', args, {
    cwd,
    input: opts.input,
    env: { ...process.env, ...GIT_TEST_ENV, ...opts.env },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0 && !opts.ok) {
    throw new Error(`git ${args.join(' ')} failed (${r.status}): ${r.stderr.toString('utf8')}`);
  }
  return r.stdout.toString('utf8');
}

export class TestRepo {
  constructor(readonly dir: string) {}

  git(...args: string[]): string {
    return git(this.dir, args).replace(/\n$/, '');
  }

  /** Write files (relative paths, `/` separators; Buffer names for non-UTF-8 bytes). */
  write(files: Record<string, string | Buffer>): this {
    for (const [rel, content] of Object.entries(files)) {
      const abs = path.join(this.dir, rel);
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
    return this;
  }

  /** Write, stage and commit; returns the new commit's sha. */
  commit(message: string, files: Record<string, string | Buffer> = {}, opts: { allowEmpty?: boolean } = {}): string {
    this.write(files);
    const names = Object.keys(files);
    if (names.length) git(this.dir, ['add', '--', ...names]);
    const t = `${clock++} +0000`;
    git(this.dir, ['commit', '-q', '--no-verify', ...(opts.allowEmpty || !names.length ? ['--allow-empty'] : []), '-m', message], {
      env: { GIT_AUTHOR_DATE: t, GIT_COMMITTER_DATE: t },
    });
    return this.git('rev-parse', 'HEAD');
  }

  head(): string {
    return this.git('rev-parse', 'HEAD');
  }

  /**
   * Everything a scan must leave alone: status (porcelain v2, -z), HEAD, refs, the index file's
   * checksum, and the working tree's bytes.
   */
  snapshot(): string {
    const status = git(this.dir, ['status', '--porcelain=v2', '-z', '--untracked-files=all', '--ignored'], { env: { GIT_OPTIONAL_LOCKS: '0' } });
    const head = git(this.dir, ['rev-parse', '--verify', '-q', 'HEAD'], { ok: true });
    const symbolic = git(this.dir, ['symbolic-ref', '-q', 'HEAD'], { ok: true });
    const refs = git(this.dir, ['for-each-ref', '--format=%(refname) %(objectname)']);
    const indexFile = path.resolve(this.dir, git(this.dir, ['rev-parse', '--git-path', 'index']).trim());
    let index = 'none';
    try {
      index = createHash('sha256').update(readFileSync(indexFile)).digest('hex');
    } catch {
      /* no index yet */
    }
    return JSON.stringify({ status, head, symbolic, refs, index, tree: treeHash(this.dir) });
  }
}

function treeHash(dir: string): string {
  const h = createHash('sha256');
  // Buffer names: file names that are not UTF-8 must round-trip.
  const walk = (d: Buffer): void => {
    let entries: Dirent<Buffer>[];
    try {
      entries = readdirSync(d, { withFileTypes: true, encoding: 'buffer' });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => Buffer.compare(a.name, b.name))) {
      if (e.name.toString('latin1') === '.git') continue;
      const abs = Buffer.concat([d, Buffer.from('/'), e.name]);
      h.update(abs);
      h.update('\0');
      if (e.isDirectory()) walk(abs);
      else if (e.isFile()) h.update(readFileSync(abs));
      else if (e.isSymbolicLink()) h.update(readlinkSync(abs));
    }
  };
  walk(Buffer.from(dir));
  return h.digest('hex');
}

/**
 * Commit what is staged as a commit with a `gpgsig` header (a signature no key verifies: git still
 * asks gpg about it, which is what `log.showSignature` prints), on top of `parent`; moves the branch.
 */
export function signedCommit(repo: TestRepo, parent: string, message: string): string {
  const tree = repo.git('write-tree');
  const t = `${clock++} +0000`;
  const body = `tree ${tree}\nparent ${parent}\nauthor Test Author <author@example.invalid> ${t}\ncommitter Test Author <author@example.invalid> ${t}\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\n${message}\n`;
  const sha = git(repo.dir, ['hash-object', '-t', 'commit', '-w', '--stdin'], { input: body }).trim();
  repo.git('update-ref', 'HEAD', sha);
  return sha;
}

/** A fresh repository (branch `main`) in a temp dir. */
export function makeRepo(opts: { dir?: string; bare?: boolean } = {}): TestRepo {
  const dir = opts.dir ?? tempDir('hs-git-');
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main', ...(opts.bare ? ['--bare'] : [])]);
  for (const [k, v] of [
    ['user.name', 'Test Author'],
    ['user.email', 'author@example.invalid'],
    ['commit.gpgsign', 'false'],
    ['tag.gpgsign', 'false'],
    ['core.autocrlf', 'false'],
  ] as const) {
    git(dir, ['config', k, v]);
  }
  return new TestRepo(dir);
}

export function makeExecutable(file: string, text: string): void {
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

/**
 * A folder holding a `git` that runs `script` (sh, with git's arguments) and then the real git: put
 * the folder first on PATH to see or change what the tool asks of git.
 */
export function wrappedGit(script: string): string {
  const dir = tempDir('hs-git-wrap-');
  const real = spawnSync('sh', ['-c', 'command -v git']).stdout.toString().trim();
  // $sub: the subcommand, after the `-c name=value` settings every call starts with (GIT_CONFIG).
  const sub = 'sub=; n=0; for a in "$@"; do n=$((n+1)); if [ $((n % 2)) = 1 ] && [ "$a" != -c ]; then sub=$a; break; fi; done';
  makeExecutable(path.join(dir, 'git'), `#!/bin/sh\n${sub}\n${script}\nexec ${real} "$@"\n`);
  return dir;
}
