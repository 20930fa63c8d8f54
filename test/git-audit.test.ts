/** `audit`: the whole history, each unique blob once, each finding mapped to its introducing commit. */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchParser, catStream, isLfsPointer, type StreamedObject } from '../src/sources/git/repo.js';
import { introductionLog, introductions } from '../src/sources/git/history.js';
import { GitError } from '../src/errors.js';
import { runBin, runMain } from './helpers/cli.js';
import { fakeAll } from './helpers/fake-tokens.js';
import { git, GIT_TEST_ENV, makeRepo, signedCommit, wrappedGit, type TestRepo } from './helpers/git.js';
import { tempDir } from './helpers/tmp.js';

const T = fakeAll('git-audit');
const U = fakeAll('git-audit-2');
const V = fakeAll('git-audit-3');
const W = fakeAll('git-audit-4');
const line = (v: string) => `HUBSPOT_TOKEN=${v}\n`;

interface F {
  path: string;
  line: number;
  secret: string;
  fingerprint: string;
  inHead?: boolean;
  commit?: { sha: string; author?: string; date?: string; message?: boolean; tag?: string };
}
interface Doc {
  findings: F[];
  stats: { files: number; skippedBy: Record<string, number> };
}

async function audit(repo: TestRepo, extra: string[] = []) {
  const before = repo.snapshot();
  const r = await runMain(['audit', '-f', 'json', ...extra], { cwd: repo.dir });
  expect(repo.snapshot()).toBe(before);
  const doc = r.code === 2 ? undefined : (JSON.parse(r.stdout) as Doc);
  return { ...r, doc, where: (doc?.findings ?? []).map((f) => `${f.path}:${f.line}@${f.commit?.sha.slice(0, 7)}${f.inHead ? ' in HEAD' : ''}`).sort() };
}
const at = (p: string, sha: string, inHead = false) => `${p}@${sha.slice(0, 7)}${inHead ? ' in HEAD' : ''}`;

describe('audit', () => {
  it('maps each finding to the commit and path that introduced it, and says whether it is still in HEAD', async () => {
    const repo = makeRepo();
    const c1 = repo.commit('add config', { 'config/app.env': `A=1\n${line(T.pat!)}` });
    repo.commit('edit config', { 'config/app.env': `A=2\n${line(T.pat!)}` }); // same secret, new blob
    const c3 = repo.commit('add removed', { 'tmp.env': line(U.pat!) });
    repo.commit('remove it', { 'tmp.env': 'gone\n' });
    const c5 = repo.commit('add doomed file', { 'doomed/keys.txt': `key\n${line(V.pat!)}` });
    git(repo.dir, ['rm', '-q', '-r', 'doomed']);
    repo.commit('delete file');
    const r = await audit(repo);
    expect(r.code).toBe(1);
    expect(r.where).toEqual([at('config/app.env:2', c1, true), at('doomed/keys.txt:2', c5), at('tmp.env:1', c3)].sort());
    expect(JSON.stringify(r.doc)).not.toContain(T.pat);
    const text = await runMain(['audit'], { cwd: repo.dir });
    expect(text.stdout).toMatch(new RegExp(`config/app.env\\n  2:15 .*\\n.*commit ${c1.slice(0, 12)} \\(Test Author, .*still in HEAD`));
    expect(text.stdout).toContain('still in HEAD');
    expect(text.stdout).toContain('only in history');
    expect(text.stdout).toContain(`commit ${c3.slice(0, 12)} (Test Author`);
  });

  it('covers every branch and tag, and commit messages; reads each unique blob once', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'a.txt': 'same\n', 'b.txt': 'same\n' });
    git(repo.dir, ['checkout', '-q', '-b', 'side']);
    const side = repo.commit('side only', { 'side.env': line(T.pat!) });
    git(repo.dir, ['checkout', '-q', 'main']);
    git(repo.dir, ['checkout', '-q', '-b', 'for-tag']);
    const tagged = repo.commit('tagged only', { 'tag.env': line(U.pat!) });
    git(repo.dir, ['tag', '-a', '-m', 'release', 'v1']);
    git(repo.dir, ['checkout', '-q', 'main']);
    git(repo.dir, ['branch', '-q', '-D', 'for-tag']);
    const msg = repo.commit(`debug\n\ntoken was ${V.pat}`, { 'c.txt': 'c\n' });
    const r = await audit(repo);
    expect(r.where).toEqual([at('side.env:1', side), at('tag.env:1', tagged), at('<commit message>:3', msg)].sort());
    // 4 commits + unique blobs: "same" (once for a.txt and b.txt), side.env, tag.env, c.txt + the
    // annotated tag's message
    expect(r.doc!.stats.files).toBe(4 + 4 + 1);
    // A blob a tag points at directly is read too.
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo.dir, input: line(W.pat!) }).toString().trim();
    git(repo.dir, ['tag', 'blob-tag', blob]);
    const t = await audit(repo);
    expect(t.doc!.stats.files).toBe(4 + 5 + 1);
    expect(t.doc!.findings.map((f) => f.path)).toContain(`<blob ${blob.slice(0, 12)}: no commit holds it, a ref points at it>`);
  });

  it('with a git too old for --filter=object:type=blob (before 2.32): the same audit, from every object in one stream', () => {
    const repo = makeRepo();
    repo.commit('init', { 'a.txt': 'same\n', 'big.env': `${line(U.pat!)}${'x'.repeat(3000)}\n` });
    const side = repo.commit(`side\n\ntoken was ${V.pat}`, { 'side.env': line(T.pat!) });
    git(repo.dir, ['tag', 'blob-tag', execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo.dir, input: line(W.pat!) }).toString().trim()]);
    // Neither a reflog-only commit nor a dangling blob is audited without --include-unreachable.
    repo.commit('lost', { 'lost.env': line(fakeAll('git-audit-lost').pat!) });
    git(repo.dir, ['reset', '-q', '--hard', side]);
    git(repo.dir, ['hash-object', '-w', '--stdin'], { input: line(fakeAll('git-audit-dangling').pat!) });
    // A git that refuses the filter the way git 2.31 does.
    const bin = wrappedGit(`for a in "$@"; do [ "$a" = --filter=object:type=blob ] && { echo "fatal: invalid filter-spec 'object:type=blob'" >&2; exit 128; }; done`);
    for (const extra of [[], ['--max-file-size', '1k'], ['--threads', '0'], ['--include-unreachable']]) {
      const args = ['audit', '-f', 'json', ...extra];
      const now = runBin(args, { cwd: repo.dir });
      const old = runBin(args, { cwd: repo.dir, env: { PATH: `${bin}:${process.env['PATH']}` } });
      expect(now.code).toBe(1);
      expect(old.code).toBe(1);
      const doc = (r: { stdout: string }) => {
        const d = JSON.parse(r.stdout) as Doc & { stats: Record<string, unknown> };
        return { findings: d.findings.map((f) => `${f.path}:${f.line}@${f.commit?.sha ?? '-'}`).sort(), files: d.stats.files, skippedBy: d.stats.skippedBy };
      };
      expect(doc(old)).toEqual(doc(now));
      // With --include-unreachable, also the reflog-only commit's token and the dangling blob's.
      expect(doc(now).findings).toHaveLength(extra[0] === '--max-file-size' ? 3 : extra[0] === '--include-unreachable' ? 6 : 4);
    }
  });

  it("annotated tags' messages are audited (a push sends them); lightweight tags add nothing", async () => {
    const repo = makeRepo();
    const c = repo.commit('init', { 'a.txt': 'a\n' });
    git(repo.dir, ['tag', '-a', 'v1.0', '-m', `release\n\nused token ${T.pat} for the demo`], { env: { GIT_COMMITTER_NAME: 'Tagger', GIT_COMMITTER_EMAIL: 'tagger@example.invalid' } });
    git(repo.dir, ['tag', 'light']);
    git(repo.dir, ['tag', '-a', 'clean', '-m', 'nothing here']);
    const r = await audit(repo);
    expect(r.code).toBe(1);
    expect(r.doc!.findings).toHaveLength(1);
    const tagObject = repo.git('rev-parse', 'v1.0');
    expect(tagObject).not.toBe(c);
    expect(r.doc!.findings[0]).toMatchObject({ path: '<tag message>', line: 3, commit: { sha: tagObject, message: true, tag: 'v1.0', author: 'Tagger', email: 'tagger@example.invalid' } });
    const text = await runMain(['audit'], { cwd: repo.dir });
    expect(text.stdout).toContain('tag v1.0 (message)');
    expect(text.stdout).toContain(`tag object ${tagObject.slice(0, 12)} (Tagger`);
    expect(text.stdout).not.toContain(`commit ${tagObject.slice(0, 12)}`);
    expect(text.stdout).not.toContain(T.pat!);
    // Also with --include-unreachable (every object read in one stream).
    expect((await audit(repo, ['--include-unreachable'])).doc!.findings.map((f) => f.commit?.tag)).toEqual(['v1.0']);
    // A tag known under another ref name is reported by that name; a tag a tag points at is read too.
    git(repo.dir, ['tag', 'renamed', 'v1.0']);
    git(repo.dir, ['tag', '-d', 'v1.0']);
    git(repo.dir, ['tag', '-a', 'inner', c, '-m', `inner ${U.pat}`]);
    git(repo.dir, ['tag', '-a', 'outer', 'inner', '-m', 'outer'], { env: { GIT_CONFIG_PARAMETERS: "'advice.nestedTag=false'" } });
    git(repo.dir, ['tag', '-d', 'inner']);
    const again = await audit(repo);
    expect(again.doc!.findings.map((f) => f.commit?.tag).sort()).toEqual(['inner', 'renamed']);
  });

  it('a commit hidden by `git replace` is audited as it is (a push sends the original)', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'a.txt': 'a\n' });
    const leak = repo.commit('leak', { 'app.env': line(T.pat!) });
    git(repo.dir, ['checkout', '-q', '--detach', 'HEAD~1']);
    const clean = repo.commit('clean', { 'app.env': 'HUBSPOT_TOKEN=\n' });
    git(repo.dir, ['checkout', '-q', 'main']);
    git(repo.dir, ['replace', leak, clean]);
    expect(repo.git('log', '-1', '--format=%s')).toBe('clean'); // what git shows now
    const r = await audit(repo);
    expect(r.code).toBe(1);
    expect(r.where).toEqual([at('app.env:1', leak, true)]);
  });

  it('a reflog-only commit is left out by default and found with --include-unreachable', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'a.txt': 'a\n' });
    const lost = repo.commit('oops', { 'oops.env': line(T.pat!) });
    git(repo.dir, ['reset', '-q', '--hard', 'HEAD~1']);
    const r = await audit(repo);
    expect(r.code).toBe(0);
    const u = await audit(repo, ['--include-unreachable']);
    expect(u.code).toBe(1);
    expect(u.where).toEqual([at('oops.env:1', lost)]);
    // a blob that was staged but never committed is dangling: reported without a commit
    repo.write({ 'staged.env': line(U.pat!) });
    git(repo.dir, ['add', 'staged.env']);
    git(repo.dir, ['reset', '-q']);
    const d = await audit(repo, ['--include-unreachable']);
    expect(d.doc!.findings.map((f) => f.path).sort()).toEqual([expect.stringMatching(/^<unreachable blob [0-9a-f]{12}>$/), 'oops.env']);
  });

  it('odd file names are reported exactly (JSON escapes them)', async () => {
    const repo = makeRepo();
    const { writeFileSync } = await import('node:fs');
    repo.write({ 'a b\nc.env': line(T.pat!) });
    writeFileSync(Buffer.concat([Buffer.from(`${repo.dir}/-x`), Buffer.from([0xff]), Buffer.from('.env')]), line(U.pat!));
    git(repo.dir, ['add', '-A']);
    repo.commit('odd');
    const r = await audit(repo);
    expect(r.doc!.findings.map((f) => f.path).sort()).toEqual(['-x\udcff.env', 'a b\nc.env']);
    expect(r.stdout).toContain('"-x\\udcff.env"');
  });

  it('a repository with no commits is clean (exit 0) and says so; detached HEAD is fine', async () => {
    const repo = makeRepo();
    const r = await audit(repo);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no commits');
    const a = repo.commit('a', { 'a.env': line(T.pat!) });
    repo.commit('b', { 'a.env': 'clean\n' });
    git(repo.dir, ['checkout', '-q', '--detach', a]);
    const d = await audit(repo);
    expect(d.where).toEqual([at('a.env:1', a, true)]);
  });

  it('paths that start with blanks or end with a CR are matched exactly while scanning (allow by path, skip warnings)', async () => {
    const repo = makeRepo();
    repo.write({ ' a.env': line(T.pat!), '\tb.env': line(U.pat!), 'c.env\r': line(V.pat!), ' big.txt': 'x'.repeat(2000) });
    repo.write({ '.hubspot-secrets.json': JSON.stringify({ allow: [{ path: ' a.env' }, { path: '\tb.env' }, { path: 'c.env\r' }] }) });
    git(repo.dir, ['add', '-A']);
    repo.commit('blanks');
    const r = await audit(repo, ['--max-file-size', '1k']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc & { stats: { suppressed: Record<string, number> }; warnings: { path: string }[] };
    expect(doc.findings).toEqual([]);
    expect(doc.stats.suppressed).toEqual({ config: 3 });
    expect(doc.stats.skippedBy).toEqual({ 'too-large': 1 });
    expect(doc.warnings.map((w) => w.path)).toEqual([' big.txt']);
  });

  it('allow by path and ignore globs go by the paths a finding is reported at (where git log says it came in), not the one rev-list saw first', async () => {
    const repo = makeRepo();
    const first = repo.commit('add', { 'old/a.env': line(T.pat!) });
    git(repo.dir, ['mv', 'old', 'new']);
    const moved = repo.commit('rename'); // the same blob, seen first at new/a.env walking back from HEAD
    repo.write({ 'a\nb.env': line(U.pat!) }); // rev-list cuts a path at its newline
    git(repo.dir, ['add', '-A']);
    const second = repo.commit('newline');
    const all = [at('old/a.env:1', first, true), at('new/a.env:1', moved, true), at('a\nb.env:1', second, true)].sort();
    // A rename puts the secret at a new path: a place of its own (to fix, or to allow).
    expect((await audit(repo)).where).toEqual(all);
    const config = (c: object) => {
      repo.write({ '.hubspot-secrets.json': JSON.stringify(c) });
      git(repo.dir, ['add', '-A']);
      repo.commit('config');
    };
    config({ allow: [{ path: '*/a.env' }, { path: 'a\nb.env' }] });
    const allowed = await audit(repo);
    expect(allowed.code).toBe(0);
    expect(allowed.doc!.stats).toMatchObject({ suppressed: { config: 3 } });
    config({ allow: [{ path: 'new/*.env' }, { path: 'a\nb.env' }] });
    expect((await audit(repo)).where).toEqual([at('old/a.env:1', first, true)]);
    config({ ignore: ['old/**'] });
    const ignored = await audit(repo);
    expect(ignored.where).toEqual([at('new/a.env:1', moved, true), at('a\nb.env:1', second, true)].sort());
    expect(ignored.doc!.stats.skippedBy).toEqual({ ignored: 1 });
  });

  it('the same content added at two paths is a finding at each, so allowing one path does not hide the other', async () => {
    const repo = makeRepo();
    const c = repo.commit('twice', { 'fixtures/x.env': line(T.pat!), 'aaa.env': line(T.pat!) });
    expect((await audit(repo)).where).toEqual([at('aaa.env:1', c, true), at('fixtures/x.env:1', c, true)]);
    repo.write({ '.hubspot-secrets.json': JSON.stringify({ allow: [{ path: 'aaa.env' }] }) });
    git(repo.dir, ['add', '-A']);
    repo.commit('config');
    const r = await audit(repo);
    expect(r.code).toBe(1);
    expect(r.where).toEqual([at('fixtures/x.env:1', c, true)]);
    expect(r.doc!.stats).toMatchObject({ suppressed: { config: 1 } });
  });

  it('a missing or corrupt object: exit 2 with one line naming it, no stack trace', async () => {
    const repo = makeRepo();
    repo.commit('a', { 'a.env': line(T.pat!) });
    const blob = repo.git('rev-parse', 'HEAD:a.env');
    rmSync(path.join(repo.dir, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    const r = await audit(repo);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^hubspot-secrets: .*(missing|corrupt)/);
  });

  it('a shallow clone is exit 2 with the way to fetch the rest: an audit of it would miss the history below', async () => {
    const repo = makeRepo();
    repo.commit('a', { 'a.env': line(T.pat!) });
    repo.commit('b', { 'a.env': 'gone\n' });
    const shallow = path.join(tempDir('hs-shallow-'), 'clone');
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo.dir}`, shallow], { env: { ...process.env, ...GIT_TEST_ENV } });
    const r = await runMain(['audit', '-f', 'json'], { cwd: shallow });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/is a shallow clone: .*git fetch --unshallow/);
    // The full clone finds the token the shallow one cannot see.
    expect((await audit(repo)).code).toBe(1);
  });

  it('a partial clone missing objects is exit 2 and nothing is fetched (git would fetch each one on its own); complete, it is audited', async () => {
    const repo = makeRepo();
    git(repo.dir, ['config', 'uploadpack.allowFilter', 'true']);
    repo.commit('a', { 'a.env': line(T.pat!) });
    repo.commit('b', { 'a.env': 'gone\n', 'b.txt': 'b\n' });
    const env = { ...process.env, ...GIT_TEST_ENV };
    // Always with --missing=print: a plain listing in a partial clone fetches what it lacks.
    const missing = (dir: string): number =>
      git(dir, ['rev-list', '--objects', '--all', '--missing=print']).split('\n').filter((l) => l.startsWith('?')).length;
    const clones: [string, string[], (dir: string) => void][] = [
      ['blob:none', [], () => {}],
      ['tree:0', [], () => {}],
      ['blob:none', ['--bare'], () => {}],
      // git takes a filter alone, without `promisor`, as a partial clone too.
      ['blob:none', [], (dir) => git(dir, ['config', '--unset', 'remote.origin.promisor'])],
    ];
    const partials = tempDir('hs-partial-');
    for (const [i, [filter, extra, tweak]] of clones.entries()) {
      const clone = path.join(partials, String(i));
      execFileSync('git', ['clone', '-q', `--filter=${filter}`, '--no-checkout', ...extra, `file://${repo.dir}`, clone], { env });
      tweak(clone);
      const before = missing(clone);
      expect(before).toBeGreaterThan(0);
      const r = await runMain(['audit', '-f', 'json'], { cwd: clone });
      expect(r.code, `clone ${i}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/is a partial clone \(git clone --filter\): objects of its history are not here \(at least \d+; the first is [0-9a-f]{12}\).*Audit a full clone/);
      // Read-only: not one object was downloaded.
      expect(missing(clone), `clone ${i}`).toBe(before);
    }
    // Once everything is fetched, the same clone is audited (its config still names a promisor remote).
    const clone = path.join(partials, '0');
    git(clone, ['config', '--unset', 'remote.origin.partialclonefilter']);
    git(clone, ['fetch', '-q', '--refetch', 'origin']);
    expect(missing(clone)).toBe(0);
    const full = await runMain(['audit', '-f', 'json'], { cwd: clone });
    expect(full.code).toBe(1);
    expect(JSON.parse(full.stdout).findings[0]).toMatchObject({ ruleId: 'hubspot-private-app-token', path: 'a.env' });
  });

  it('--include-unreachable in a partial clone: a dangling commit whose objects were never fetched is exit 2, not a silent pass', async () => {
    const repo = makeRepo();
    git(repo.dir, ['config', 'uploadpack.allowFilter', 'true']);
    repo.commit('a', { 'a.env': 'nothing\n' });
    git(repo.dir, ['checkout', '-q', '-b', 'feature']);
    repo.commit('b', { 'b.env': line(T.pat!) });
    git(repo.dir, ['checkout', '-q', '-']);
    const clone = path.join(tempDir('hs-dangling-'), 'clone');
    execFileSync('git', ['clone', '-q', '--filter=blob:none', '--no-checkout', `file://${repo.dir}`, clone], { env: { ...process.env, ...GIT_TEST_ENV } });
    // The branch goes away upstream: its commit stays in the clone, dangling, its blob never fetched.
    git(repo.dir, ['branch', '-q', '-D', 'feature']);
    git(clone, ['fetch', '-q', '--prune', 'origin']);
    git(clone, ['config', '--unset', 'remote.origin.partialclonefilter']);
    git(clone, ['fetch', '-q', '--refetch', 'origin']);
    expect((await runMain(['audit', '-f', 'json'], { cwd: clone })).code).toBe(0);
    const r = await runMain(['audit', '--include-unreachable', '-f', 'json'], { cwd: clone });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a partial clone .*audit without --include-unreachable/);
  });

  it('audit [repo] from another folder; not a repository is exit 2', async () => {
    const repo = makeRepo();
    const c = repo.commit('a', { 'sub/a.env': line(T.pat!) });
    const r = await runMain(['audit', repo.dir, '-f', 'json'], { cwd: '/' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings[0]).toMatchObject({ path: 'sub/a.env', commit: { sha: c } });
    const bad = await runMain(['audit', '/nonexistent-dir-xyz'], { cwd: '/' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('hubspot-secrets: audit: /nonexistent-dir-xyz: no such directory\n');
    // A file that exists is not "no such directory" (found by a new-user trial).
    const file = await runMain(['audit', 'sub/a.env'], { cwd: repo.dir });
    expect(file.code).toBe(2);
    expect(file.stderr).toBe('hubspot-secrets: audit: sub/a.env is a file: audit takes a repository\'s folder (scan a file with `scan sub/a.env`)\n');
  });

  it('an LFS pointer in history is skipped with reason lfs-pointer; a pointer-looking file with one more line is scanned', async () => {
    const repo = makeRepo();
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${'b'.repeat(64)}\nsize 99\n`;
    repo.commit('lfs', { 'model.bin': pointer });
    const r = await audit(repo);
    expect(r.code).toBe(0);
    expect(r.doc!.stats.skippedBy['lfs-pointer']).toBe(1);
    repo.commit('not lfs', { 'fake.bin': `${pointer}# ${line(T.pat!)}` });
    const f = await audit(repo);
    expect(f.code).toBe(1);
    expect(f.doc!.stats.skippedBy['lfs-pointer']).toBe(1);
    expect(f.doc!.findings.map((x) => x.path)).toEqual(['fake.bin']);
  });

  it('an LFS pointer\'s extension line holds an extension name and an oid, nothing else: a value or a token there makes it a file like any other', async () => {
    const head = `version https://git-lfs.github.com/spec/v1\noid sha256:${'b'.repeat(64)}\nsize 99\n`;
    expect(isLfsPointer(Buffer.from(`${head}ext-0-foo sha256:${'c'.repeat(64)}\n`))).toBe(true);
    const repo = makeRepo();
    repo.commit('ext value', { 'a.bin': `${head}ext-0-x HUBSPOT_CLIENT_SECRET=${T.uuid!}\n` });
    repo.commit('ext oid', { 'c.bin': `${head}ext-0-foo sha256:${T.pat!}\n` });
    const r = await audit(repo);
    expect(r.code).toBe(1);
    expect(r.doc!.findings.map((x) => x.path).sort()).toEqual(['a.bin', 'c.bin']);
  });

  it('a graft (.git/info/grafts) hides no history: the commit below it is audited', async () => {
    const repo = makeRepo();
    repo.commit('add config', { 'app.env': line(T.pat!) });
    const head = repo.commit('remove it', { 'app.env': 'A=1\n' });
    writeFileSync(path.join(repo.dir, '.git/info/grafts'), `${head}\n`);
    expect(git(repo.dir, ['rev-list', '--count', 'HEAD']).trim()).toBe('1');
    const r = await audit(repo);
    expect(r.code).toBe(1);
    expect(r.doc!.findings.map((x) => x.path)).toEqual(['app.env']);
  });

  it('a finding in a git note is named as a note on the object it annotates, in its notes ref (not by that id, as if a file)', async () => {
    const repo = makeRepo();
    const c = repo.commit('a', { 'a.txt': 'a\n' });
    git(repo.dir, ['notes', 'add', '-m', `deployed with ${line(T.pat!)}`, c]);
    const r = await audit(repo);
    expect(r.code).toBe(1);
    const [f] = r.doc!.findings;
    expect(f!.path).toBe(`<note on ${c.slice(0, 12)} in refs/notes/commits>`);
    expect(f!.inHead).toBeUndefined();
    expect(runBin(['audit'], { cwd: repo.dir }).stdout).toContain(`<note on ${c.slice(0, 12)} in refs/notes/commits>`);
    git(repo.dir, ['notes', 'remove', c]);
    const gone = await audit(repo);
    expect(gone.doc!.findings.map((x) => x.path)).toEqual([`<note on ${c.slice(0, 12)} once in refs/notes/commits>`]);
    // A file whose name is a commit id is still a file.
    repo.commit('b', { [c]: `HUBSPOT_API_KEY=${T.uuid!}\n` });
    const file = await audit(repo);
    expect(file.doc!.findings.map((x) => x.path)).toContain(c);
  });

  it('audits a bare mirror (no work tree) and finds what its history holds', async () => {
    const repo = makeRepo();
    const c1 = repo.commit('add config', { 'app.env': line(T.pat!) });
    repo.commit('remove it', { 'app.env': 'A=1\n' });
    const mirror = path.join(path.dirname(repo.dir), `${path.basename(repo.dir)}-mirror.git`);
    git(path.dirname(repo.dir), ['clone', '-q', '--mirror', repo.dir, mirror]);
    const r = await runMain(['audit', '-f', 'json'], { cwd: mirror });
    rmSync(mirror, { recursive: true, force: true });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.findings.map((f) => `${f.path}@${f.commit?.sha.slice(0, 7)}`)).toEqual([at('app.env', c1)]);
  });

  it("a bare clone inside another repository's work tree is a repository of its own: that work tree's config and baseline do not apply to it (a mirror in a tools checkout took its allow-all: found by a trial)", async () => {
    const repo = makeRepo();
    const c1 = repo.commit('add config', { 'app.env': line(T.pat!) });
    const tools = makeRepo();
    tools.write({ '.hubspot-secrets.json': JSON.stringify({ allow: [{ path: '**', reason: 'tool fixtures' }] }) });
    const mirror = path.join(tools.dir, 'mirror.git');
    git(tools.dir, ['clone', '-q', '--bare', repo.dir, mirror]);
    for (const [cwd, args] of [[mirror, ['audit', '-f', 'json']], [tools.dir, ['audit', 'mirror.git', '-f', 'json']]] as const) {
      const r = await runMain([...args], { cwd });
      expect(r.code, `${cwd} ${args.join(' ')}`).toBe(1);
      expect((JSON.parse(r.stdout) as Doc).findings.map((f) => `${f.path}@${f.commit?.sha.slice(0, 7)}`)).toEqual([at('app.env', c1)]);
    }
  });

  it('audit <folder> audits that folder whatever GIT_DIR / GIT_WORK_TREE say (git sets GIT_DIR for `rebase -x` and a worktree\'s hooks; it audited the other repository, exit 0: found by a trial)', () => {
    const other = makeRepo();
    const c = other.commit('add token', { 'app.env': line(T.pat!) });
    const here = makeRepo();
    here.commit('clean', { 'a.txt': 'a\n' });
    const env = { GIT_DIR: path.join(here.dir, '.git'), GIT_WORK_TREE: here.dir, GIT_INDEX_FILE: path.join(here.dir, '.git', 'index') };
    for (const cwd of [here.dir, other.dir]) {
      const r = runBin(['audit', other.dir, '-f', 'json'], { cwd, env });
      expect(r.code, r.stderr).toBe(1);
      expect((JSON.parse(r.stdout) as Doc).findings.map((f) => `${f.path}@${f.commit?.sha}`)).toEqual([`app.env@${c}`]);
    }
    // `audit .` names the current folder: its own repository, not GIT_DIR's.
    expect(runBin(['audit', '.', '-q'], { cwd: other.dir, env }).code).toBe(1);
    // Without a folder the environment's repository is the one audited, as git would read it.
    expect(runBin(['audit', '-q'], { cwd: other.dir, env }).code).toBe(0);
  });

  it("the user's log.showRoot=false and log.showSignature=true do not hide or move what introduced a secret (a root commit's files showed as 'no commit holds it'; a signed commit's gpg lines moved findings to the commit before: found by a trial)", () => {
    const home = tempDir('hs-home-');
    const env = { HOME: home, GNUPGHOME: path.join(home, 'gnupg') };
    const repo = makeRepo();
    const root = repo.commit('root', { 'root.env': line(T.pat!) });
    const base = repo.commit('base', { 'a.txt': 'a\n' });
    repo.write({ 'signed.env': line(U.pat!) });
    git(repo.dir, ['add', 'signed.env']);
    const signed = signedCommit(repo, base, 'signed');
    repo.git('config', 'log.showRoot', 'false');
    repo.git('config', 'log.showSignature', 'true');
    // The settings do what they say in this git: the root commit's diff hidden, gpg's lines in a log.
    expect(git(repo.dir, ['log', '--format=', '--raw', root], { env })).toBe('');
    expect(git(repo.dir, ['log', '-1', '--format=%H', signed], { env }).trim()).not.toBe(signed);
    const r = runBin(['audit', '-f', 'json'], { cwd: repo.dir, env });
    expect(r.code, r.stderr).toBe(1);
    expect((JSON.parse(r.stdout) as Doc).findings.map((f) => `${f.path}@${f.commit?.sha}`).sort()).toEqual([`root.env@${root}`, `signed.env@${signed}`].sort());
  });
});

describe('catStream (one git stream of listed objects and their contents)', () => {
  const blobList = ['rev-list', '--objects', '--all', '--filter=object:type=blob', '--filter-provided-objects'];
  const all = async (gen: AsyncGenerator<StreamedObject[]>) => {
    const out: StreamedObject[] = [];
    for await (const group of gen) out.push(...group);
    return out;
  };

  it('gives every listed object with its exact content and path, across pipe reads; content `keep` refuses is read past', async () => {
    const repo = makeRepo();
    // Deterministic bytes of every value, bigger than a pipe read, so objects and headers straddle reads.
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 131 + (i >> 7)) & 0xff;
    // Paths exactly as listed: spaces inside, before (a leading space or tab) and a trailing CR.
    const files: Record<string, string | Buffer> = { 'empty.txt': '', 'dir with space/a b.txt': 'spaced\n', ' lead.txt': 'l\n', '\ttab.txt': 't\n', 'cr.txt\r': 'cr\n', 'big.bin': big };
    for (let i = 1; i <= 40; i++) files[`small/${i}.txt`] = `${i}\n`.repeat(i * 50);
    repo.commit('many', files);
    const expected = new Map<string, Buffer>();
    for (const name of Object.keys(files)) expected.set(name, execFileSync('git', ['cat-file', 'blob', `HEAD:${name}`], { cwd: repo.dir }));

    const got = await all(catStream(repo.dir, blobList));
    expect(got.map((o) => o.rest.toString()).sort()).toEqual([...expected.keys()].sort());
    for (const o of got) {
      expect(o.type).toBe('blob');
      expect(o.size).toBe(expected.get(o.rest.toString())!.length);
      expect(o.content!.equals(expected.get(o.rest.toString())!)).toBe(true);
      // Its own buffer: a worker can be given it without a copy.
      expect(o.content!.byteOffset === 0 && o.content!.buffer.byteLength === o.size).toBe(true);
    }

    const capped = await all(catStream(repo.dir, blobList, { keep: (type, size) => type === 'blob' && size <= 1000 }));
    expect(capped.map((o) => o.rest.toString()).sort()).toEqual([...expected.keys()].sort());
    for (const o of capped) {
      if (o.size > 1000) expect(o.content).toBeUndefined();
      else expect(o.content!.equals(expected.get(o.rest.toString())!)).toBe(true);
    }
  });

  it('fails closed: a missing object, a listing that fails, a listing option git refuses (told to listFailed)', async () => {
    const repo = makeRepo();
    repo.commit('a', { 'a.env': 'x\n' });
    const blob = repo.git('rev-parse', 'HEAD:a.env');
    rmSync(path.join(repo.dir, '.git', 'objects', blob.slice(0, 2), blob.slice(2)));
    await expect(all(catStream(repo.dir, ['rev-list', '--all']))).resolves.toHaveLength(1);
    // rev-list itself notices the missing blob when it walks the tree (with the filter it never reads blobs: cat-file does).
    await expect(all(catStream(repo.dir, blobList))).rejects.toThrow(new RegExp(`git object ${blob.slice(0, 12)} \\(a\\.env\\) is missing or corrupt|git rev-list failed .*${blob}`));
    // An id the listing names that is not there: cat-file says so; the error names it and its path.
    await expect(all(catStream(repo.dir, ['log', '-1', `--format=tformat:${blob} a.env`]))).rejects.toThrow(`git object ${blob.slice(0, 12)} (a.env) is missing or corrupt; run \`git fsck\``);
    await expect(all(catStream(repo.dir, ['rev-list', '--objects', 'no-such-ref']))).rejects.toThrow(/git rev-list failed .*no-such-ref/);
    // A listing whose last line has no newline was cut off: its last id is never read as a prefix.
    await expect(all(catStream(repo.dir, ['log', '-1', '--pretty=format:%H']))).rejects.toThrow(/git log's output in .* ended in the middle of a line/);
    // Once objects came (the commit and its tree), a failing listing is an error, never a fallback.
    const late: string[] = [];
    await expect(all(catStream(repo.dir, ['rev-list', '--objects', '--all'], { listFailed: (e) => (late.push(e), true) }))).rejects.toThrow(/git rev-list failed .*missing blob/);
    expect(late).toEqual([]);
    const told: string[] = [];
    const out = await all(catStream(repo.dir, ['rev-list', '--objects', '--all', '--filter=no-such-filter'], { listFailed: (stderr) => (told.push(stderr), true) }));
    expect(out).toEqual([]);
    expect(told[0]).toMatch(/filter/);
  });
});

describe('BatchParser (git cat-file --batch output, in pieces of any size)', () => {
  const oid = (n: number) => n.toString(16).padStart(40, '0');
  // Three objects: one with a path holding spaces, an empty one in the middle, and an empty one last.
  const objects: [string, string, Buffer, string][] = [
    [oid(1), 'blob', Buffer.from('first\nline two\n'), 'dir with space/a b.txt'],
    [oid(2), 'blob', Buffer.alloc(0), 'empty'],
    [oid(3), 'commit', Buffer.from('tree x\n\nmessage\n'), ''],
    [oid(4), 'blob', Buffer.from([0, 10, 255, 10]), 'bin'],
    [oid(5), 'blob', Buffer.alloc(0), 'last-empty'],
  ];
  const stream = Buffer.concat(objects.flatMap(([o, t, c]) => [Buffer.from(`${o} ${t} ${c.length}\n`), c, Buffer.from('\n')]));
  const parse = (pieces: Buffer[], keep?: (type: string, size: number) => boolean) => {
    const rests = objects.map(([, , , rest]) => Buffer.from(rest));
    const p = new BatchParser('/repo', keep, () => rests.shift()!);
    const out = pieces.flatMap((b) => p.push(b));
    p.end();
    return out.map((o) => [o.oid, o.type, o.content ? o.content.toString('latin1') : undefined, o.rest.toString()]);
  };
  const want = objects.map(([o, t, c, rest]) => [o, t, c.toString('latin1'), rest]);

  it('gives the same objects however the stream is cut: at every byte, in two and in three pieces', () => {
    expect(parse([stream])).toEqual(want);
    expect(parse([...stream].map((b) => Buffer.from([b])))).toEqual(want);
    for (let i = 0; i <= stream.length; i++) {
      expect(parse([stream.subarray(0, i), stream.subarray(i)])).toEqual(want);
      const j = Math.min(stream.length, i + 7);
      expect(parse([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)])).toEqual(want);
    }
  });

  it('reads past what keep refuses, and the objects after it are whole', () => {
    expect(parse([stream.subarray(0, 30), stream.subarray(30)], (type) => type !== 'blob')).toEqual(want.map(([o, t, c, r]) => [o, t, t === 'blob' ? undefined : c, r]));
  });

  it('fails closed without quoting the stream: a missing object, a cut-off end, a lost newline, a line that is no header', () => {
    const fails = (bytes: Buffer, message: RegExp) => {
      const p = new BatchParser('/repo', undefined, () => Buffer.from('dir/f.txt'));
      let err: unknown;
      try {
        p.push(bytes);
        p.end();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(GitError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('secret-ish');
    };
    fails(Buffer.from(`${oid(9)} missing\n`), /object 000000000000 \(dir\/f.txt\) is missing or corrupt; run `git fsck` in \/repo/);
    fails(stream.subarray(0, stream.length - 1), /ended in the middle of an object/);
    fails(stream.subarray(0, 60), /ended in the middle of an object/);
    fails(Buffer.from(`${oid(1)} blob 3\nabcsecret-ish\n`), /no newline after object/);
    fails(Buffer.from('secret-ish blob 3\nabc\n'), /not an object header/);
  });
});


describe('introductions: the log that maps blobs to where they came in, read as it streams', () => {
  it('gives the same introductions however the log is cut (at every byte, and a byte at a time), keeping only wanted blobs', async () => {
    const repo = makeRepo();
    const secret = line(T.pat!);
    const a = repo.commit('add', { 'a.env': secret, 'b.txt': 'b\n' });
    const b = repo.commit('copy', { 'dir with space/copy.env': secret });
    git(repo.dir, ['checkout', '-q', '-b', 'side']);
    repo.commit('side', { 'b.txt': 'side\n' });
    git(repo.dir, ['checkout', '-q', '-']);
    repo.commit('main', { 'b.txt': 'main\n' });
    git(repo.dir, ['merge', '-q', '--no-edit', '-X', 'ours', 'side']);
    const oidOf = (text: string): string => git(repo.dir, ['hash-object', '--stdin'], { input: text }).trim();
    const wanted = new Set([oidOf(secret), oidOf('side\n')]);
    const { args } = introductionLog({ reflog: false, commits: [] });
    const log = execFileSync('git', args, { cwd: repo.dir, env: { ...process.env, ...GIT_TEST_ENV } });
    const read = (pieces: Buffer[]) => introductions((async function* () { yield* pieces; })(), wanted);
    const whole = await read([log]);
    // The secret at both its paths, each with the commit that added it there; b.txt's other versions are not kept.
    expect([...whole.keys()].sort()).toEqual([...wanted].sort());
    expect(whole.get(oidOf(secret))!.map((x) => [x.path, x.commit.sha])).toEqual([['a.env', a], ['dir with space/copy.env', b]]);
    expect(whole.get(oidOf('side\n'))!.map((x) => x.path)).toEqual(['b.txt']);
    expect(await read([...log].map((byte) => Buffer.from([byte])))).toEqual(whole);
    for (let i = 0; i <= log.length; i += 3) expect(await read([log.subarray(0, i), log.subarray(i)])).toEqual(whole);
  });
});
