/**
 * early.ts: openRepo's two rev-parse calls started by the bin before the rest loads, and taken by
 * gitRun as if it had started them itself.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GIT_CONFIG, opensRepoHere, REV_PARSE_HEAD, REV_PARSE_REPO, startEarly, takeEarly } from '../src/sources/git/early.js';
import { openRepo } from '../src/sources/git/repo.js';
import { BIN, runBin } from './helpers/cli.js';
import { makeRepo, wrappedGit } from './helpers/git.js';
import { tempDir } from './helpers/tmp.js';

/** openRepo with both calls started early, or not: the outcome (a RepoInfo, or the error's message). */
async function opened(cwd: string, early: boolean): Promise<unknown> {
  if (early) {
    startEarly(cwd, REV_PARSE_HEAD);
    startEarly(cwd, REV_PARSE_REPO);
  }
  try {
    return await openRepo(cwd);
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  } finally {
    // Taken by openRepo, or never started.
    expect(takeEarly(cwd, REV_PARSE_HEAD)).toBeUndefined();
    expect(takeEarly(cwd, REV_PARSE_REPO)).toBeUndefined();
  }
}

describe('git calls started early', () => {
  const savedPath = process.env['PATH'];
  afterEach(() => {
    process.env['PATH'] = savedPath;
  });

  it('knows which command lines open the repository in the current directory', () => {
    for (const argv of [['scan', '--staged'], ['scan', '-q', '--commits', 'A..B'], ['scan', '--commits=HEAD'], ['hook', 'run', 'pre-commit'], ['audit'], ['audit', '-f', 'json']]) {
      expect(opensRepoHere(argv), argv.join(' ')).toBe(true);
    }
    for (const argv of [[], ['scan'], ['scan', '.'], ['scan', '--staged', '--help'], ['hook', 'install'], ['-q', 'scan', '--staged'], ['verify', '-'], ['scan', '--', '--staged']]) {
      expect(opensRepoHere(argv), argv.join(' ')).toBe(false);
    }
  });

  it('gives openRepo the same answer as its own calls: a repository, a bare one, one without commits, none, and no git', async () => {
    const repo = makeRepo();
    repo.commit('first', { 'a.txt': 'a\n' });
    const bare = makeRepo({ bare: true });
    const unborn = makeRepo();
    const plain = tempDir('hs-early-none-');
    for (const dir of [repo.dir, path.join(repo.dir, '.git'), bare.dir, unborn.dir, plain]) {
      const mine = await opened(dir, false);
      expect(await opened(dir, true), dir).toEqual(mine);
    }
    expect(await opened(plain, true)).toMatch(/^GitError: .* is not inside a git repository$/);
    // No git on PATH (the children's PATH is read when they start).
    process.env['PATH'] = tempDir('hs-early-nogit-');
    const without = await opened(repo.dir, false);
    expect(without).toMatch(/^GitError: cannot run git: is git installed/);
    expect(await opened(repo.dir, true)).toEqual(without);
  });

  it('the bin starts them for `scan --staged` and the pre-commit hook, and the run uses those (each runs once)', () => {
    const repo = makeRepo();
    repo.commit('first', { 'a.txt': 'a\n' });
    repo.write({ 'b.txt': 'b\n' }).git('add', 'b.txt');
    for (const argv of [['scan', '--staged'], ['hook', 'run', 'pre-commit'], ['scan', '--commits', 'HEAD']]) {
      const log = path.join(tempDir('hs-early-log-'), 'git.log');
      // Started early, a call's standard input is /dev/null; gitRun's is a pipe (a socket).
      const wrap = wrappedGit(`if [ -c /dev/stdin ]; then w=early; else w=late; fi; echo "$w $*" >> '${log}'`);
      const r = runBin(argv, { cwd: repo.dir, env: { PATH: `${wrap}:${process.env['PATH']}` } });
      expect(r.code, r.stderr).toBe(0);
      const calls = readFileSync(log, 'utf8').split('\n').filter((l) => / rev-parse (--verify --quiet HEAD|--is-bare)/.test(l));
      expect(calls.sort(), argv.join(' ')).toEqual([`early ${[...GIT_CONFIG, ...REV_PARSE_HEAD].join(' ')}`, `early ${[...GIT_CONFIG, ...REV_PARSE_REPO].join(' ')}`].sort());
    }
  });

  it('a clean pre-commit run loads no built-in it does not use (crypto, os, v8, worker_threads: builtin.ts)', () => {
    const repo = makeRepo();
    repo.commit('first', { 'a.txt': 'a\n' });
    repo.write({ 'b.txt': 'b\n' }).git('add', 'b.txt');
    // Node's own list of the built-ins this process loaded, written as it exits.
    const report = 'process.on("exit", () => process.stderr.write("LOADED " + process.moduleLoadList.join(",") + "\\n"))';
    for (const argv of [['scan', '--staged'], ['hook', 'run', 'pre-commit']]) {
      const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(report)}`, BIN, ...argv], { cwd: repo.dir, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const loaded = r.stderr.split('LOADED ')[1]!.trim().split(',');
      expect(loaded, argv.join(' ')).toContain('NativeModule child_process');
      // node:vm is the launcher's (src/launch.ts): it runs the bundle from V8's code cache.
      expect(loaded, argv.join(' ')).toContain('NativeModule vm');
      for (const name of ['crypto', 'os', 'v8', 'worker_threads']) expect(loaded, argv.join(' ')).not.toContain(`NativeModule ${name}`);
    }
  });
});
