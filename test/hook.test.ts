/** `hook install / uninstall / run` with real git commits and pushes through the bundled bin. */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hookScript, npxCacheWarning } from '../src/cli/commands/hook.js';
import { BIN, runMain } from './helpers/cli.js';
import { fakeAll } from './helpers/fake-tokens.js';
import { GIT_TEST_ENV, git, makeExecutable, makeRepo, TestRepo } from './helpers/git.js';
import { tempDir } from './helpers/tmp.js';

const T = fakeAll('hook');
const line = (v: string) => `HUBSPOT_TOKEN=${v}\n`;

/** A git command that may fail (a hook blocking it): status and output. */
function gitTry(cwd: string, args: string[], input?: string) {
  const r = spawnSync('git', args, { cwd, input, encoding: 'utf8', env: { ...process.env, ...GIT_TEST_ENV } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function tryCommit(repo: TestRepo, files: Record<string, string>, msg = 'change', extra: string[] = []) {
  repo.write(files);
  git(repo.dir, ['add', '--', ...Object.keys(files)]);
  return gitTry(repo.dir, ['commit', '-q', ...extra, '-m', msg]);
}

// The installed hooks run the real bundle dist/cli.js: build it first (npm run build), like the
// other bin tests. Not rebuilt here: other test files run it concurrently.

describe('hook install + pre-commit', () => {
  it('installs an executable hook running the same node and the bundled bin by absolute path; it blocks a commit adding a credential', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'readme.md': 'hi\n' });
    const r = await runMain(['hook', 'install'], { cwd: repo.dir });
    expect(r.code).toBe(0);
    const file = path.join(repo.dir, '.git/hooks/pre-commit');
    expect(r.stderr).toContain(`Installed the hubspot-secrets pre-commit hook: ${file}`);
    expect(statSync(file).mode & 0o111).not.toBe(0);
    const script = readFileSync(file, 'utf8');
    expect(script).toContain(`node='${process.execPath}'`);
    expect(script).toContain(`bin='${BIN}'`);

    const head = repo.head();
    const blocked = tryCommit(repo, { 'src/app.env': `A=1\n${line(T.pat!)}` });
    expect(blocked.code).not.toBe(0);
    expect(repo.head()).toBe(head);
    expect(blocked.out).toContain('src/app.env');
    expect(blocked.out).toMatch(/2:15\s+critical/);
    expect(blocked.out).toContain('commit blocked: 1 HubSpot credential in the staged changes');
    expect(blocked.out).toContain('rotate each credential');
    expect(blocked.out).toContain('git commit --no-verify');
    expect(blocked.out).not.toContain(T.pat);

    // a clean commit passes; --no-verify bypasses once
    git(repo.dir, ['reset', '-q']);
    expect(tryCommit(repo, { 'ok.txt': 'fine\n' }).code).toBe(0);
    expect(tryCommit(repo, { 'src/app.env': line(T.pat!) }, 'bypass', ['--no-verify']).code).toBe(0);
    // reinstalling our own hook just updates it
    expect((await runMain(['hook', 'install'], { cwd: repo.dir })).stderr).toContain('Updated');
  });

  it('never overwrites a hook it did not write unless --force (kept as a backup); uninstall removes only its own', async () => {
    const repo = makeRepo();
    const file = path.join(repo.dir, '.git/hooks/pre-commit');
    const foreign = '#!/bin/sh\necho mine\n';
    makeExecutable(file, foreign);
    makeExecutable(path.join(repo.dir, '.git/hooks/pre-push'), foreign);
    const r = await runMain(['hook', 'install'], { cwd: repo.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('was not written by hubspot-secrets; left it unchanged');
    expect(r.stderr).toContain('--force');
    expect(r.stderr).not.toContain('--help'); // not a usage mistake: no usage hint
    expect(readFileSync(file, 'utf8')).toBe(foreign);

    const f = await runMain(['hook', 'install', '--force'], { cwd: repo.dir });
    expect(f.code).toBe(0);
    expect(f.stderr).toContain('pre-commit.hubspot-secrets.bak');
    expect(readFileSync(`${file}.hubspot-secrets.bak`, 'utf8')).toBe(foreign);

    const u = await runMain(['hook', 'uninstall'], { cwd: repo.dir });
    expect(u.code).toBe(0);
    expect(u.stderr).toContain('restored the one it replaced');
    expect(u.stderr).toContain('pre-push alone');
    expect(readFileSync(file, 'utf8')).toBe(foreign);
    expect(readFileSync(path.join(repo.dir, '.git/hooks/pre-push'), 'utf8')).toBe(foreign);
    expect((await runMain(['hook', 'uninstall'], { cwd: repo.dir })).stderr).toContain('pre-commit alone');
  });

  it("a user's lines are never lost: an edited hook of ours is left alone, a second --force keeps the first backup, a symbolic link is moved, not written through (each found by a trial)", async () => {
    const repo = makeRepo();
    const hooks = path.join(repo.dir, '.git/hooks');
    const file = path.join(hooks, 'pre-commit');
    // Ours, then edited: install and uninstall leave it (and the user's line) as it is.
    expect((await runMain(['hook', 'install', '-q'], { cwd: repo.dir })).code).toBe(0);
    writeFileSync(file, `${readFileSync(file, 'utf8')}npm run lint # mine\n`);
    const edited = readFileSync(file, 'utf8');
    const i = await runMain(['hook', 'install'], { cwd: repo.dir });
    expect(i.code).toBe(2);
    expect(i.stderr).toContain('was written by hubspot-secrets and has been edited since; left it unchanged');
    const u = await runMain(['hook', 'uninstall'], { cwd: repo.dir });
    expect(u.code).toBe(0);
    expect(u.stderr).toContain('it has been edited since');
    expect(readFileSync(file, 'utf8')).toBe(edited);
    // --force keeps it as the backup; a second --force over another hook does not overwrite that backup.
    expect((await runMain(['hook', 'install', '--force', '-q'], { cwd: repo.dir })).code).toBe(0);
    expect(readFileSync(`${file}.hubspot-secrets.bak`, 'utf8')).toBe(edited);
    writeFileSync(file, '#!/bin/sh\necho other-tool\n');
    const again = await runMain(['hook', 'install', '--force'], { cwd: repo.dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds a hook kept by an earlier --force');
    expect(readFileSync(`${file}.hubspot-secrets.bak`, 'utf8')).toBe(edited);
    expect(readFileSync(file, 'utf8')).toBe('#!/bin/sh\necho other-tool\n');

    // A symbolic link to a file that is not there (a team's hook on another branch): not written through.
    const r2 = makeRepo();
    const link = path.join(r2.dir, '.git/hooks/pre-commit');
    symlinkSync('../../tools/hooks/pre-commit', link);
    expect((await runMain(['hook', 'install'], { cwd: r2.dir })).code).toBe(2);
    expect(existsSync(path.join(r2.dir, 'tools'))).toBe(false);
    expect((await runMain(['hook', 'install', '--force', '-q'], { cwd: r2.dir })).code).toBe(0);
    expect(existsSync(path.join(r2.dir, 'tools'))).toBe(false);
    expect(lstatSync(`${link}.hubspot-secrets.bak`).isSymbolicLink()).toBe(true);
    expect(lstatSync(link).isFile()).toBe(true);
    expect((await runMain(['hook', 'uninstall', '-q'], { cwd: r2.dir })).code).toBe(0);
    expect(readlinkSync(link)).toBe('../../tools/hooks/pre-commit');
  });

  it('install and uninstall refuse the options they do not use; uninstall --pre-push removes that hook only; a bare repository, or a hooks folder that cannot be written, is said as such (found by a trial)', async () => {
    const repo = makeRepo();
    const hooks = path.join(repo.dir, '.git/hooks');
    for (const argv of [
      ['hook', 'install', '--config', 'x.json', '--no-baseline'],
      ['hook', 'install', '--max-file-size', '1k', '-f', 'json'],
      ['hook', 'uninstall', '--show-secrets'],
      ['hook', 'run', 'pre-commit', '--force'],
    ]) {
      const r = await runMain(argv, { cwd: repo.dir });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toContain(`hook ${argv[1]} does not use`);
    }
    expect(existsSync(path.join(hooks, 'pre-commit'))).toBe(false);
    await runMain(['hook', 'install', '-q'], { cwd: repo.dir });
    await runMain(['hook', 'install', '--pre-push', '-q'], { cwd: repo.dir });
    expect((await runMain(['hook', 'uninstall', '--pre-push'], { cwd: repo.dir })).stderr).toContain('Removed the hubspot-secrets pre-push hook');
    expect(existsSync(path.join(hooks, 'pre-commit'))).toBe(true);
    expect(existsSync(path.join(hooks, 'pre-push'))).toBe(false);

    const bare = makeRepo({ bare: true });
    const b = await runMain(['hook', 'install'], { cwd: bare.dir });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('is a bare repository; git runs no pre-commit or pre-push hook there');

    // core.hooksPath naming a file: the hooks folder cannot be made there.
    const r3 = makeRepo();
    writeFileSync(path.join(r3.dir, 'not-a-dir'), '');
    r3.git('config', 'core.hooksPath', 'not-a-dir');
    const f = await runMain(['hook', 'install'], { cwd: r3.dir });
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/hook install: cannot write .*not-a-dir\/pre-commit: E(EXIST|NOTDIR) \(a file is in the way of the hooks folder\)/);
    expect(f.stderr).not.toContain('internal error');
  });

  it("warns when the bin it would name is in npx's temporary cache (a hook named it, and stopped every commit once npx cleared it: found by a trial)", () => {
    expect(npxCacheWarning('/home/me/.npm/_npx/1a2b3c/node_modules/hubspot-secrets/dist/cli.js')).toContain("in npx's temporary cache");
    expect(npxCacheWarning('C:\\Users\\me\\AppData\\Local\\npm-cache\\_npx\\1a2b\\node_modules\\hubspot-secrets\\dist\\cli.js')).toContain('npm i -D hubspot-secrets');
    expect(npxCacheWarning(BIN)).toBeNull();
    expect(npxCacheWarning('/srv/app/node_modules/hubspot-secrets/dist/cli.js')).toBeNull();
  });

  it('respects core.hooksPath', async () => {
    const repo = makeRepo();
    git(repo.dir, ['config', 'core.hooksPath', '.githooks']);
    expect((await runMain(['hook', 'install'], { cwd: repo.dir })).code).toBe(0);
    expect(existsSync(path.join(repo.dir, '.githooks/pre-commit'))).toBe(true);
    expect(existsSync(path.join(repo.dir, '.git/hooks/pre-commit'))).toBe(false);
    expect(tryCommit(repo, { 'x.env': line(T.pat!) }).code).not.toBe(0);
  });

  it('from a linked worktree (shared hooks) and inside a submodule (its own git dir)', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'a.txt': 'a\n' });
    const wt = path.join(tempDir(), 'wt');
    git(repo.dir, ['worktree', 'add', '-q', '-b', 'wt', wt]);
    expect((await runMain(['hook', 'install'], { cwd: wt })).code).toBe(0);
    expect(existsSync(path.join(repo.dir, '.git/hooks/pre-commit'))).toBe(true);
    expect(tryCommit(new TestRepo(wt), { 'w.env': line(T.pat!) }).code).not.toBe(0);

    const sub = makeRepo();
    sub.commit('sub', { 's.txt': 's\n' });
    git(repo.dir, ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub.dir, 'mod']);
    const inSub = path.join(repo.dir, 'mod');
    git(inSub, ['config', 'user.name', 'Test Author']);
    git(inSub, ['config', 'user.email', 'author@example.invalid']);
    expect((await runMain(['hook', 'install'], { cwd: inSub })).code).toBe(0);
    expect(existsSync(path.join(repo.dir, '.git/modules/mod/hooks/pre-commit'))).toBe(true);
    expect(tryCommit(new TestRepo(inSub), { 'm.env': line(T.pat!) }).code).not.toBe(0);
  });

  it('a hook whose bin is gone fails closed with a clear message', () => {
    const repo = makeRepo();
    const file = path.join(repo.dir, '.git/hooks/pre-commit');
    makeExecutable(file, hookScript('pre-commit', process.execPath, '/nonexistent/dist/cli.js'));
    const r = tryCommit(repo, { 'a.txt': 'a\n' });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('/nonexistent/dist/cli.js (moved or uninstalled?)');
    expect(r.out).toContain('git commit --no-verify');
  });
});

describe('hook install --pre-push', () => {
  it('scans exactly the commits being pushed: new branch = commits no remote ref has; updates only the new ones', async () => {
    const remote = makeRepo({ bare: true });
    const repo = makeRepo();
    repo.commit('init', { 'a.txt': 'a\n' });
    git(repo.dir, ['remote', 'add', 'origin', remote.dir]);
    // an old secret that is already on the remote must not block later pushes
    repo.commit('old leak', { 'old.env': line(T.pat!) });
    git(repo.dir, ['push', '-q', 'origin', 'main']);
    expect((await runMain(['hook', 'install', '--pre-push'], { cwd: repo.dir })).code).toBe(0);
    expect(existsSync(path.join(repo.dir, '.git/hooks/pre-push'))).toBe(true);

    repo.commit('clean', { 'b.txt': 'b\n' });
    expect(gitTry(repo.dir, ['push', '-q', 'origin', 'main']).code).toBe(0);

    git(repo.dir, ['checkout', '-q', '-b', 'topic']);
    const leak = repo.commit('leak', { 'new.env': line(fakeAll('hook-2').pat!) });
    repo.commit('later', { 'c.txt': 'c\n' });
    const before = repo.snapshot();
    const r = gitTry(repo.dir, ['push', '-q', 'origin', 'topic']);
    expect(repo.snapshot()).toBe(before);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain(`new.env`);
    expect(r.out).toContain(leak.slice(0, 12));
    expect(r.out).toContain('push blocked: 1 HubSpot credential in the 2 commits being pushed');
    expect(r.out).toContain('git push --no-verify');
    expect(gitTry(remote.dir, ['rev-parse', '--verify', '-q', 'refs/heads/topic']).code).not.toBe(0);
    expect(gitTry(repo.dir, ['push', '-q', '--no-verify', 'origin', 'topic']).code).toBe(0);
  });

  it('a branch pushed to another remote: commits already on origin are scanned again (they are new to that remote)', async () => {
    const origin = makeRepo({ bare: true });
    const pub = makeRepo({ bare: true });
    const repo = makeRepo();
    repo.commit('init', { 'a.txt': 'a\n' });
    git(repo.dir, ['remote', 'add', 'origin', origin.dir]);
    git(repo.dir, ['push', '-q', 'origin', 'main']);
    expect((await runMain(['hook', 'install', '--pre-push'], { cwd: repo.dir })).code).toBe(0);
    git(repo.dir, ['checkout', '-q', '-b', 'leak']);
    repo.commit('leak', { 'leak.env': line(fakeAll('hook-remote').pat!) });
    // On origin (the private fork) already, pushed without the hook.
    expect(gitTry(repo.dir, ['push', '-q', '--no-verify', 'origin', 'leak']).code).toBe(0);
    git(repo.dir, ['remote', 'add', 'public', pub.dir]);
    const r = gitTry(repo.dir, ['push', '-q', 'public', 'leak']);
    expect(r.code, r.out).not.toBe(0);
    expect(r.out).toContain('leak.env');
    expect(gitTry(pub.dir, ['rev-parse', '--verify', '-q', 'refs/heads/leak']).code).not.toBe(0);
    // By URL, a remote's own URL counts as that remote: origin has the commit (not blocked again),
    // public does not.
    expect(gitTry(repo.dir, ['push', '-q', origin.dir, 'leak:leak2']).code).toBe(0);
    expect(gitTry(repo.dir, ['push', '-q', pub.dir, 'leak']).code).not.toBe(0);
    // To origin again (it has every commit of the branch): nothing new, not blocked.
    git(repo.dir, ['checkout', '-q', '-b', 'again']);
    expect(gitTry(repo.dir, ['push', '-q', 'origin', 'again']).code).toBe(0);
  });

  it("an annotated tag whose message holds a credential is blocked when pushed (a lightweight or clean one is not)", async () => {
    const remote = makeRepo({ bare: true });
    const repo = makeRepo();
    repo.commit('init', { 'a.txt': 'a\n' });
    git(repo.dir, ['remote', 'add', 'origin', remote.dir]);
    git(repo.dir, ['push', '-q', 'origin', 'main']);
    expect((await runMain(['hook', 'install', '--pre-push'], { cwd: repo.dir })).code).toBe(0);
    git(repo.dir, ['tag', 'light']);
    git(repo.dir, ['tag', '-a', 'v0.9', '-m', 'clean release']);
    expect(gitTry(repo.dir, ['push', '-q', 'origin', 'light', 'v0.9']).code).toBe(0);
    const tagToken = fakeAll('hook-tag').pat!;
    git(repo.dir, ['tag', '-a', 'v1.0', '-m', `release\n\ndemo token ${tagToken}`]);
    const r = gitTry(repo.dir, ['push', '-q', 'origin', 'v1.0']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('tag v1.0 (message)');
    expect(r.out).toContain('push blocked: 1 HubSpot credential in the 1 annotated tag being pushed');
    expect(r.out).toContain('In a tag\'s message: delete the tag (`git tag -d <name>`) and create it again without it.');
    expect(r.out).not.toContain(tagToken);
    expect(gitTry(remote.dir, ['rev-parse', '--verify', '-q', 'refs/tags/v1.0']).code).not.toBe(0);
    // A credential behind a clean tag: in the message of a tag it points at, or in a blob or tree it tags.
    git(repo.dir, ['tag', '-a', 'inner', 'HEAD', '-m', `inner ${fakeAll('hook-tag-2').pat}`]);
    git(repo.dir, ['tag', '-a', 'outer', 'inner', '-m', 'clean']);
    expect(gitTry(repo.dir, ['push', '-q', 'origin', 'outer']).code).not.toBe(0);
    const blob = git(repo.dir, ['hash-object', '-w', '--stdin'], { input: line(fakeAll('hook-tag-3').pat!) }).trim();
    git(repo.dir, ['tag', 'blob-tag', blob]);
    const b = gitTry(repo.dir, ['push', '-q', 'origin', 'blob-tag']);
    expect(b.code).not.toBe(0);
    expect(b.out).toContain('1 tagged file being pushed');
    git(repo.dir, ['read-tree', '--empty', '--index-output=.git/tmp-index']);
    const tree = git(repo.dir, ['write-tree'], { env: { GIT_INDEX_FILE: '.git/tmp-index' } }).trim();
    const withFile = git(repo.dir, ['mktree'], { input: `100644 blob ${blob}\tsecret.env\n` }).trim();
    git(repo.dir, ['tag', '-a', 'tree-tag', withFile, '-m', 'a tree']);
    expect(gitTry(repo.dir, ['push', '-q', 'origin', 'tree-tag']).code).not.toBe(0);
    git(repo.dir, ['tag', 'empty-tree', tree]);
    expect(gitTry(repo.dir, ['push', '-q', 'origin', 'empty-tree']).code).toBe(0);
  });

  it('hook run pre-push reads the stdin lines; the pre-commit framework passes the range in the environment', async () => {
    const repo = makeRepo();
    const a = repo.commit('a', { 'a.txt': 'a\n' });
    const b = repo.commit('b', { 'b.env': line(T.pat!) });
    const stdin = `refs/heads/main ${b} refs/heads/main ${a}\n`;
    expect((await runMain(['hook', 'run', 'pre-push', 'origin', 'url'], { cwd: repo.dir, stdin })).code).toBe(1);
    const env = { PRE_COMMIT_FROM_REF: a, PRE_COMMIT_TO_REF: b };
    expect((await runMain(['hook', 'run', 'pre-push'], { cwd: repo.dir, env })).code).toBe(1);
    expect((await runMain(['hook', 'run', 'pre-push'], { cwd: repo.dir, env: { PRE_COMMIT_FROM_REF: b, PRE_COMMIT_TO_REF: b } })).code).toBe(0);
    const bad = await runMain(['hook', 'run', 'pre-push'], { cwd: repo.dir, stdin: 'garbage\n' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unexpected input line');
  });

  it('hook run pre-push without lines on its standard input (nothing sent, or a hook manager that drops it) checks nothing; it warns when HEAD has commits the remote lacks', async () => {
    const repo = makeRepo();
    repo.commit('a', { 'a.txt': 'a\n' });
    const run = () => runMain(['hook', 'run', 'pre-push', 'origin', 'url'], { cwd: repo.dir, stdin: '' });
    // Up to date (git runs the hook with no line): quiet.
    git(repo.dir, ['update-ref', 'refs/remotes/origin/main', 'HEAD']);
    const same = await run();
    expect(same.code).toBe(0);
    expect(same.stderr).toBe('');
    // HEAD's branch has a commit with a secret the remote lacks: git sends no line when another,
    // up-to-date branch is pushed, so that push is not blocked; a warning names the set-up to check.
    repo.commit('b', { 'b.env': line(T.pat!) });
    const ahead = await run();
    expect(ahead.code).toBe(0);
    expect(ahead.stderr).toContain('git named no ref to push on standard input, so nothing was checked, though HEAD has commits origin lacks');
    expect(ahead.stderr).toContain('use_stdin: true');
    expect(ahead.stdout).not.toContain(T.pat!);
  });
});

describe('hook usage errors', () => {
  it('outside a repository, unknown hook type, stray argument: exit 2, one line', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'x'), '');
    for (const argv of [['hook', 'install'], ['hook', 'run', 'post-commit'], ['hook', 'install', 'pre-push']]) {
      const r = await runMain(argv, { cwd: argv[2] === 'post-commit' || argv[2] === 'pre-push' ? makeRepo().dir : dir });
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
