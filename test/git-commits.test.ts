/** `scan --commits <range>` on real repositories: what commits introduce, messages included. */
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { commitsSource, listRangeCommits, resolvePushRange } from '../src/sources/git/commits.js';
import { runBin, runMain } from './helpers/cli.js';
import { fakeAll } from './helpers/fake-tokens.js';
import { git, makeRepo, signedCommit, TestRepo, wrappedGit } from './helpers/git.js';
import { tempDir } from './helpers/tmp.js';

const T = fakeAll('git-commits');
const U = fakeAll('git-commits-2');
const line = (v: string) => `HUBSPOT_TOKEN=${v}\n`;

interface F {
  path: string;
  line: number;
  commit?: { sha: string; author?: string; email?: string; date?: string; message?: boolean };
}

async function commits(repo: TestRepo, range: string, cwd = repo.dir) {
  const before = repo.snapshot();
  const r = await runMain(['scan', '--commits', range, '-f', 'json'], { cwd });
  expect(repo.snapshot()).toBe(before);
  const doc = r.code === 2 ? undefined : (JSON.parse(r.stdout) as { findings: F[] });
  return { ...r, doc, where: (doc?.findings ?? []).map((f) => `${f.path}:${f.line}@${f.commit?.sha.slice(0, 7)}`).sort() };
}
const at = (p: string, sha: string) => `${p}@${sha.slice(0, 7)}`;

describe('scan --commits', () => {
  it("a GIT_DIFF_OPTS in the user's environment does not widen the diffs (its -u3 would make context lines count as added)", async () => {
    const repo = makeRepo();
    repo.commit('base', { 'app.env': `X=1\n${line(T.pat!)}` });
    const b = repo.commit('next', { 'app.env': `X=1\n${line(T.pat!)}Y=2\n` });
    for (const env of [{}, { GIT_DIFF_OPTS: '-u3' }]) {
      const r = runBin(['scan', '--commits', b, '-f', 'json'], { cwd: repo.dir, env });
      expect(r.code, JSON.stringify(env)).toBe(0);
    }
  });

  it("the user's log.showSignature=true: a signed commit in the range is read as any other (gpg's lines among the log's made it exit 2, and every push with a signed commit was blocked: found by a trial)", () => {
    const home = tempDir('hs-home-');
    const env = { HOME: home, GNUPGHOME: path.join(home, 'gnupg') };
    const repo = makeRepo();
    const base = repo.commit('base', { 'a.txt': 'a\n' });
    repo.write({ 'app.env': line(T.pat!) });
    git(repo.dir, ['add', 'app.env']);
    const signed = signedCommit(repo, base, 'signed');
    repo.git('config', 'log.showSignature', 'true');
    expect(git(repo.dir, ['log', '-1', '--format=%H', signed], { env }).trim()).not.toBe(signed);
    const r = runBin(['scan', '--commits', `${base}..${signed}`, '-f', 'json'], { cwd: repo.dir, env });
    expect(r.code, r.stderr).toBe(1);
    expect((JSON.parse(r.stdout) as { findings: F[] }).findings.map((f) => `${f.path}:${f.line}@${f.commit?.sha}`)).toEqual([`app.env:1@${signed}`]);
  });

  it('reports what each commit in A..B adds, with sha, author, email and date', async () => {
    const repo = makeRepo();
    const a = repo.commit('base', { 'app.env': `X=1\n${line(T.pat!)}` });
    const b = repo.commit('edit', { 'app.env': `X=2\n${line(T.pat!)}`, 'more.env': `Y=1\n${line(U.pat!)}` });
    const c = repo.commit('remove', { 'more.env': 'Y=1\n' });
    const r = await commits(repo, `${a}..${c}`);
    expect(r.code).toBe(1);
    expect(r.where).toEqual([at('more.env:2', b)]);
    const f = r.doc!.findings[0]!;
    expect(f.commit).toEqual({ sha: b, author: 'Test Author', email: 'author@example.invalid', date: expect.stringMatching(/^2023-11-14T/) });
    // the root commit alone, by sha
    expect((await commits(repo, a)).where).toEqual([at('app.env:2', a)]);
    // an empty range is clean
    expect((await commits(repo, `${c}..${c}`)).code).toBe(0);
  });

  it('scans commit messages', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'a.txt': 'a\n' });
    const m = repo.commit(`fix login\n\nused token ${T.pat} to test`, { 'a.txt': 'b\n' });
    const r = await commits(repo, 'HEAD~1..HEAD');
    expect(r.code).toBe(1);
    expect(r.doc!.findings).toHaveLength(1);
    expect(r.doc!.findings[0]!).toMatchObject({ path: '<commit message>', line: 3, commit: { sha: m, message: true } });
    const text = await runMain(['scan', '--commits', 'HEAD'], { cwd: repo.dir });
    expect(text.stdout).toContain(`commit ${m.slice(0, 12)} (message)`);
    // A path glob is about files: one that happens to match the message's label does not allow it
    // (`**/*commit*` and `* *` did: found by a trial); audit alike. An allow by value still does.
    for (const glob of ['**/*commit*', '* *', '<commit message>']) {
      writeFileSync(path.join(repo.dir, '.hubspot-secrets.json'), JSON.stringify({ allow: [{ path: glob, reason: 'fixtures' }] }));
      expect((await commits(repo, 'HEAD')).code, glob).toBe(1);
      expect((await runMain(['audit', '-q'], { cwd: repo.dir })).code, glob).toBe(1);
    }
    writeFileSync(path.join(repo.dir, '.hubspot-secrets.json'), JSON.stringify({ allow: [{ value: T.pat, reason: 'revoked' }] }));
    expect((await commits(repo, 'HEAD')).code).toBe(0);
  });

  it('branches, tags and merges: a merge reports only what it adds itself', async () => {
    const repo = makeRepo();
    const base = repo.commit('base', { 'a.txt': 'a\n' });
    git(repo.dir, ['checkout', '-q', '-b', 'feature']);
    const side = repo.commit('side', { 'side.env': line(T.pat!) });
    git(repo.dir, ['tag', 'v1']);
    git(repo.dir, ['checkout', '-q', 'main']);
    repo.commit('main', { 'b.txt': 'b\n' });
    git(repo.dir, ['merge', '-q', '--no-ff', '--no-edit', 'feature'], { env: { GIT_AUTHOR_DATE: '1700000100 +0000', GIT_COMMITTER_DATE: '1700000100 +0000' } });
    const merge = repo.head();
    expect((await commits(repo, `${base}..main`)).where).toEqual([at('side.env:1', side)]);
    expect((await commits(repo, 'main..v1')).code).toBe(0);
    expect((await commits(repo, `${base}..v1`)).where).toEqual([at('side.env:1', side)]);
    expect((await commits(repo, merge)).code).toBe(0);
    expect((await commits(repo, 'feature...main')).code).toBe(0);
    // an evil merge: the merge commit itself adds a secret
    git(repo.dir, ['checkout', '-q', '-b', 'f2', base]);
    repo.commit('f2', { 'c.txt': 'c\n' });
    git(repo.dir, ['checkout', '-q', 'main']);
    git(repo.dir, ['merge', '-q', '--no-ff', '--no-commit', 'f2']);
    repo.write({ 'evil.env': line(U.pat!) });
    git(repo.dir, ['add', 'evil.env']);
    const evil = repo.commit('merge f2');
    expect((await commits(repo, `${merge}..${evil}`)).where).toEqual([at('evil.env:1', evil)]);
  });

  it('works in detached HEAD and in a linked worktree', async () => {
    const repo = makeRepo();
    const a = repo.commit('a', { 'a.txt': 'a\n' });
    const b = repo.commit('b', { 'b.env': line(T.pat!) });
    git(repo.dir, ['checkout', '-q', '--detach', a]);
    expect((await commits(repo, `${a}..${b}`)).where).toEqual([at('b.env:1', b)]);
    const wt = path.join(tempDir(), 'wt');
    git(repo.dir, ['worktree', 'add', '-q', '--detach', wt, b]);
    const w = new TestRepo(wt);
    expect((await commits(w, 'HEAD~1..HEAD')).where).toEqual([at('b.env:1', b)]);
  });

  it('one git diff-tree for the whole range: empty commits, a merge that adds nothing, a merge that does, the root commit', async () => {
    const repo = makeRepo();
    const root = repo.commit('root', { 'root.env': line(T.pat!) });
    repo.commit('empty', {}, { allowEmpty: true });
    const base = repo.commit('base', { 'a.txt': 'a\n' });
    git(repo.dir, ['checkout', '-q', '-b', 'side']);
    const side = repo.commit('side', { 'side.env': `S=1\n${line(U.pat!)}` });
    git(repo.dir, ['checkout', '-q', 'main']);
    // main has nothing of its own since: against main the merge adds side's file, against side nothing.
    git(repo.dir, ['merge', '-q', '--no-ff', '--no-edit', 'side']);
    repo.commit('empty again', {}, { allowEmpty: true });
    git(repo.dir, ['checkout', '-q', '-b', 'other', base]);
    repo.commit('other', { 'o.txt': 'o\n' });
    git(repo.dir, ['checkout', '-q', 'main']);
    git(repo.dir, ['merge', '-q', '--no-ff', '--no-commit', 'other']);
    repo.write({ 'evil.env': `E=1\n${line(T.pat!)}` });
    git(repo.dir, ['add', 'evil.env']);
    const evil = repo.commit('merge other');
    const last = repo.commit('last', { 'a.txt': `a\n${line(U.pat!)}` });
    const all = await commits(repo, `${root}~0`);
    expect(all.where).toEqual([at('root.env:1', root)]);
    const r = await runMain(['scan', '--commits', 'HEAD', '-f', 'json'], { cwd: repo.dir });
    expect(r.code).toBe(1);
    const push = await resolvePushRange({ cwd: repo.dir, stdin: `refs/heads/main ${last} refs/heads/main ${'0'.repeat(40)}\n` });
    const found: string[] = [];
    for await (const e of commitsSource({ cwd: repo.dir, commits: push })) if (e.kind === 'item' && !e.commit?.message) found.push(`${e.path}@${e.commit!.sha.slice(0, 7)}`);
    expect(found.sort()).toEqual([at('a.txt', base), at('a.txt', last), at('evil.env', evil), at('o.txt', git(repo.dir, ['rev-parse', 'other']).trim()), at('root.env', root), at('side.env', side)].sort());
  });

  it('git diff-tree failing part-way, or giving the diffs out of order: exit 2, never a partial pass', async () => {
    const repo = makeRepo();
    const first = repo.commit('a', { 'a.env': line(T.pat!) });
    for (let i = 0; i < 5; i++) repo.commit(`c${i}`, { [`f${i}.txt`]: `${i}\n`.repeat(200) });
    const range = `${first}..HEAD`;
    const realGit = spawnSync('sh', ['-c', 'command -v git']).stdout.toString().trim();
    const cut = wrappedGit(`case "$*" in *diff-tree*--stdin*) ${realGit} "$@" | head -c 2000; exit 1;; esac`);
    const reversed = wrappedGit(`case "$*" in *diff-tree*--stdin*) tac | ${realGit} "$@"; exit $?;; esac`);
    for (const bin of [cut, reversed]) {
      const r = runBin(['scan', '--commits', range, '-f', 'json'], { cwd: repo.dir, env: { PATH: `${bin}:${process.env['PATH']}` } });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/diff-tree/);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
    expect(runBin(['scan', '--commits', range, '-f', 'json'], { cwd: repo.dir }).code).toBe(0);
  });

  it('a commit git cannot read in the middle of a range (diff-tree says so and goes on, exit 0): exit 2, not a pass', async () => {
    const repo = makeRepo();
    const a = repo.commit('a', { 'a.txt': 'a\n' });
    const bad = repo.commit('add config', { 's.env': line(T.pat!) });
    repo.commit('c', { 'c.txt': 'c\n' });
    // Rewrite the commit's loose object with another body: its hash no longer matches.
    const file = path.join(repo.dir, '.git/objects', bad.slice(0, 2), bad.slice(2));
    const body = Buffer.from(git(repo.dir, ['cat-file', 'commit', bad]).replace('add config', 'add confix'));
    chmodSync(file, 0o644);
    writeFileSync(file, deflateSync(Buffer.concat([Buffer.from(`commit ${body.length}\0`), body])));
    const r = await runMain(['scan', '--commits', `${a}..HEAD`, '-f', 'json'], { cwd: repo.dir });
    expect(r.code, r.stdout).toBe(2);
    expect(r.stderr).toContain(bad.slice(0, 12));
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('an unknown ref, a repository with no commits, a bad range: exit 2, one line', async () => {
    const repo = makeRepo();
    let r = await commits(repo, 'HEAD');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hubspot-secrets: unknown revision 'HEAD' .*\n$/);
    repo.commit('a', { 'a.txt': 'a\n' });
    r = await commits(repo, 'origin/main..HEAD');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown revision 'origin/main'");
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    r = await commits(repo, '--output=/tmp/x');
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a shallow clone whose range reaches past the boundary: exit 2 naming git fetch --unshallow and fetch-depth: 0', async () => {
    const origin = makeRepo();
    const a = origin.commit('a', { 'a.env': line(T.pat!) });
    origin.commit('b', { 'b.txt': 'b\n' });
    const c = origin.commit('c', { 'c.txt': 'c\n' });
    const dir = path.join(tempDir(), 'shallow');
    git(origin.dir, ['clone', '-q', '--depth', '2', `file://${origin.dir}`, dir]);
    const clone = new TestRepo(dir);
    // a range that reaches the boundary commit (its parent was not fetched)
    let r = await commits(clone, 'HEAD~1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('git fetch --unshallow');
    expect(r.stderr).toContain('fetch-depth: 0');
    // a ref that was never fetched
    r = await commits(clone, `${a}..HEAD`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('git fetch --unshallow');
    // the bin, too
    const { runBin } = await import('./helpers/cli.js');
    const bin = runBin(['scan', '--commits', 'HEAD~1..HEAD'], { cwd: dir });
    expect(bin.code).toBe(0);
    const all = runBin(['scan', '--commits', `HEAD~5..HEAD`], { cwd: dir });
    expect(all.code).toBe(2);
    // a range fully inside the fetched history is fine
    expect((await commits(clone, `HEAD~1..${c}`)).code).toBe(0);
  });

  it("git's X^!, X^@ and X^- forms are named as not taken (they said 'unknown revision'; found by a new-user trial)", async () => {
    const repo = makeRepo();
    repo.commit('a', { 'a.txt': 'a\n' });
    repo.commit('b', { 'b.txt': 'b\n' });
    for (const range of ['HEAD^!', 'HEAD^@', 'HEAD^-', 'HEAD^-1']) {
      const r = await runMain(['scan', '--commits', range], { cwd: repo.dir });
      expect(r.code, range).toBe(2);
      expect(r.stderr).toContain(`--commits ${range}: git's ${range.slice(4, 6)} form is not taken; name the range as A..B (e.g. HEAD^..HEAD`);
    }
  });

  it("a range with no start (`$BASE..$HEAD` with both unset is `..`) and `^A` alone are usage errors; an empty range says nothing was scanned (each passed in silence: found by a trial)", async () => {
    const repo = makeRepo();
    repo.commit('a', { 'app.env': line(T.pat!) });
    for (const range of ['..', '...', '..HEAD', '...HEAD', ' ..HEAD ']) {
      const r = await runMain(['scan', '--commits', range], { cwd: repo.dir });
      expect(r.code, range).toBe(2);
      expect(r.stderr).toContain(`--commits ${range.trim()}: the range has no start (an unset variable?); name both ends, as in origin/main${range.trim().startsWith('...') ? '...' : '..'}HEAD`);
    }
    const excluded = await runMain(['scan', '--commits', '^HEAD'], { cwd: repo.dir });
    expect(excluded.code).toBe(2);
    expect(excluded.stderr).toContain('--commits ^HEAD: names no commit to scan (^ only excludes)');
    for (const range of ['HEAD..', 'HEAD..HEAD']) {
      const r = await runMain(['scan', '--commits', range, '-q'], { cwd: repo.dir });
      expect(r.code, range).toBe(0);
      expect(r.stderr).toBe(`hubspot-secrets: --commits ${range}: the range holds no commits; nothing was scanned\n`);
    }
    // A range that holds commits says nothing of the kind.
    const found = await runMain(['scan', '--commits', 'HEAD', '-q'], { cwd: repo.dir });
    expect(found.code).toBe(1);
    expect(found.stderr).not.toContain('holds no commits');
  });

  it("a tree or a blob given as a commit is named as such (it said 'fetch it first'; found by a trial)", async () => {
    const repo = makeRepo();
    repo.commit('a', { 'a.txt': 'a\n' });
    for (const [rev, kind] of [['HEAD^{tree}', 'tree'], ['HEAD:a.txt', 'blob']] as const) {
      const r = await runMain(['scan', '--commits', rev], { cwd: repo.dir });
      expect(r.code, rev).toBe(2);
      expect(r.stderr).toContain(`hubspot-secrets: --commits ${rev}: '${rev}' is a ${kind}, not a commit: name a commit, branch or tag\n`);
      expect(r.stderr).not.toContain('fetch');
    }
    const range = await runMain(['scan', '--commits', 'HEAD^{tree}..HEAD'], { cwd: repo.dir });
    expect(range.code).toBe(2);
    expect(range.stderr).toContain("'HEAD^{tree}' is a tree, not a commit");
  });

  it('library: listRangeCommits and commitsSource for the Action', async () => {
    const repo = makeRepo();
    const a = repo.commit('a', { 'a.txt': 'a\n' });
    const b = repo.commit('b', { 'b.env': line(T.pat!) });
    const c = repo.commit('c', { 'c.txt': 'c\n' });
    expect(await listRangeCommits({ cwd: repo.dir, range: `${a}..${c}` })).toEqual([b, c]);
    const items = [];
    for await (const ev of commitsSource({ cwd: repo.dir, commits: [b] })) items.push(ev);
    expect(items.map((e) => e.path)).toEqual(['<commit message>', 'b.env']);
  });

  it('resolvePushRange: update, new branch (commits no remote ref has), deletion', async () => {
    const remote = makeRepo({ bare: true });
    const repo = makeRepo();
    const a = repo.commit('a', { 'a.txt': 'a\n' });
    git(repo.dir, ['remote', 'add', 'origin', remote.dir]);
    git(repo.dir, ['push', '-q', 'origin', 'main']);
    const b = repo.commit('b', { 'b.txt': 'b\n' });
    const Z = '0'.repeat(40);
    expect(await resolvePushRange({ cwd: repo.dir, stdin: `refs/heads/main ${b} refs/heads/main ${a}\n` })).toEqual([b]);
    git(repo.dir, ['checkout', '-q', '-b', 'topic']);
    const c = repo.commit('c', { 'c.txt': 'c\n' });
    expect(await resolvePushRange({ cwd: repo.dir, stdin: `refs/heads/topic ${c} refs/heads/topic ${Z}\n` })).toEqual([b, c]);
    expect(await resolvePushRange({ cwd: repo.dir, stdin: `(delete) ${Z} refs/heads/old ${a}\n` })).toEqual([]);
    // a remote sha this clone does not have (someone else pushed): what no remote-tracking ref has
    expect(await resolvePushRange({ cwd: repo.dir, stdin: `refs/heads/main ${b} refs/heads/main ${'1'.repeat(40)}\n` })).toEqual([b]);
  });
});
