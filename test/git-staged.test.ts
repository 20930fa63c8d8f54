/** `scan --staged` on real repositories: only what the next commit adds, read from the index. */
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin, runMain } from './helpers/cli.js';
import { fakeAll } from './helpers/fake-tokens.js';
import { git, makeRepo, TestRepo } from './helpers/git.js';

const T = fakeAll('git-staged');
const U = fakeAll('git-staged-2');
const line = (v: string) => `HUBSPOT_TOKEN=${v}\n`;

interface Doc {
  findings: { path: string; line: number; ruleId: string; secret: string }[];
  stats: { files: number; skippedBy: Record<string, number> };
}

/** Run a scan and assert it left index, HEAD, refs and working tree exactly as they were. */
async function scanUnchanged(repo: TestRepo, argv: string[], cwd = repo.dir) {
  const before = repo.snapshot();
  const r = await runMain(argv, { cwd });
  expect(repo.snapshot()).toBe(before);
  return r;
}

async function staged(repo: TestRepo, cwd = repo.dir): Promise<{ code: number; doc: Doc; raw: string }> {
  const r = await scanUnchanged(repo, ['scan', '--staged', '-f', 'json'], cwd);
  expect(r.stderr).toBe('');
  return { code: r.code, doc: JSON.parse(r.stdout) as Doc, raw: r.stdout };
}
const where = (d: Doc) => d.findings.map((f) => `${f.path}:${f.line}`).sort();

describe('scan --staged', () => {
  it('finds a secret in a text file with a stray NUL byte (git calls it binary), as scan, --commits and audit do', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'a.txt': 'hello\n' });
    repo.write({ 'stray-nul.env': `${line(T.pat!)}\0\n` });
    git(repo.dir, ['add', 'stray-nul.env']);
    const { code, doc } = await staged(repo);
    expect(code).toBe(1);
    expect(where(doc)).toEqual(['stray-nul.env:1']);
    expect((await scanUnchanged(repo, ['scan', '.', '-q'])).code).toBe(1);
    repo.commit('nul');
    for (const argv of [['scan', '--commits', 'HEAD', '-q'], ['audit', '-q']]) expect((await scanUnchanged(repo, argv)).code, argv.join(' ')).toBe(1);
  });

  it('works on the very first commit (no HEAD)', async () => {
    const repo = makeRepo();
    repo.write({ 'app.env': `# config\n${line(T.pat!)}` });
    git(repo.dir, ['add', 'app.env']);
    const { code, doc, raw } = await staged(repo);
    expect(code).toBe(1);
    expect(where(doc)).toEqual(['app.env:2']);
    expect(raw).not.toContain(T.pat);
  });

  it('is clean with nothing staged, and ignores unstaged working-tree changes', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'a.txt': 'hello\n' });
    repo.write({ 'a.txt': `hello\n${line(T.pat!)}`, 'new.env': line(T.pat!) });
    const { code, doc } = await staged(repo);
    expect(code).toBe(0);
    expect(doc.findings).toEqual([]);
  });

  it('reports only added lines: an old secret elsewhere in a touched file does not block', async () => {
    const repo = makeRepo();
    repo.commit('old', { 'app.env': `A=1\n${line(T.pat!)}B=2\n` });
    repo.write({ 'app.env': `A=1\n${line(T.pat!)}B=3\n` });
    git(repo.dir, ['add', 'app.env']);
    expect((await staged(repo)).code).toBe(0);
    repo.write({ 'app.env': `A=1\n${line(T.pat!)}B=3\nREFRESH=${U.pat}\n` });
    git(repo.dir, ['add', 'app.env']);
    const { code, doc } = await staged(repo);
    expect(code).toBe(1);
    expect(where(doc)).toEqual(['app.env:4']);
  });

  it('a lone CR before the added line (a line end for editors, not for git) does not shift which lines are added, also in a file scanned in windows', async () => {
    const repo = makeRepo();
    const filler = 'const note = "filler text that makes the file span several windows";\n'.repeat(Math.ceil((5 << 20) / 70));
    for (const [name, head] of [['small.py', ''], ['big.py', filler]] as const) {
      repo.commit(`add ${name}`, { [name]: `x = "a\rb"\nline2\n${head}${line(T.pat!)}` });
      repo.write({ [name]: `x = "a\rb"\nline2\n${head}${line(T.pat!)}${line(U.pat!)}` });
      git(repo.dir, ['add', name]);
      const { code, doc } = await staged(repo);
      expect(code, name).toBe(1);
      // Editors' lines: the lone CR ends line 1, so the new secret is on line 5 (git: 4) past the filler.
      const fillerLines = head ? head.split('\n').length - 1 : 0;
      expect(doc.findings.map((f) => `${f.path}:${f.line}:${f.secret.slice(-4)}`), name).toEqual([`${name}:${5 + fillerLines}:${U.pat!.slice(-4)}`]);
      repo.commit(`commit ${name}`);
      const r = await runMain(['scan', '--commits', 'HEAD', '-f', 'json'], { cwd: repo.dir });
      expect((JSON.parse(r.stdout) as Doc).findings.map((f) => `${f.path}:${f.line}`), name).toEqual([`${name}:${5 + fillerLines}`]);
    }
  });

  it('a secret in a wrapped base64 block counts when a line that encodes it is added (it is reported at that line)', async () => {
    const repo = makeRepo();
    const before = '# configuration for the hubspot integration service, production environment\nHUBSPOT_ACCESS_TOKEN=';
    const block = (v: string) =>
      Buffer.from(`${before}${v}\nPORT=8080\n`)
        .toString('base64')
        .replace(/.{76}/g, '$&\n')
        .replace(/\n?$/, '\n');
    repo.commit('config', { 'cfg.b64': block(T.pat!) });
    repo.write({ 'cfg.b64': block(U.pat!) });
    git(repo.dir, ['add', 'cfg.b64']);
    // Only lines after the first change: the block's first line is the same.
    expect(git(repo.dir, ['diff', '--cached', '-U0'])).toMatch(/^@@ -2/m);
    const { code, doc } = await staged(repo);
    expect(code).toBe(1);
    // The token starts at byte 98: base64 character 128, on the block's second line.
    const at = 1 + Math.floor((Math.floor(before.length / 3) * 4) / 76);
    expect(at).toBe(2);
    expect(doc.findings.map((f) => `${f.path}:${f.line}:${f.secret.slice(-4)}`)).toEqual([`cfg.b64:${at}:${U.pat!.slice(-4)}`]);
    // A change after it (a line appended to the encoded file) leaves the lines that encode it as they
    // were: the token is not new, and is not reported (the whole block was, before).
    const wrap = (s: string) => Buffer.from(s).toString('base64').replace(/.{76}/g, '$&\n').replace(/\n?$/, '\n');
    const rotated = `${before}${U.pat}\nPORT=8080\n# ${'settings '.repeat(12)}\n`;
    repo.commit('rotated', { 'cfg.b64': wrap(rotated) });
    repo.write({ 'cfg.b64': wrap(`${rotated}LOG_LEVEL=info\n`) });
    git(repo.dir, ['add', 'cfg.b64']);
    expect(git(repo.dir, ['diff', '--cached', '-U0'])).toMatch(/^@@ -5/m);
    expect((await staged(repo)).code).toBe(0);
  });

  it('a bare repository has nothing staged to scan: exit 2, not a pass (found by a new-user trial)', async () => {
    const bare = makeRepo({ bare: true });
    for (const argv of [['scan', '--staged'], ['hook', 'run', 'pre-commit']]) {
      const r = await runMain(argv, { cwd: bare.dir });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain('is a bare repository: it has no staged changes to scan');
    }
  });

  it('honours partial staging (git add -p): the index, not the working tree', async () => {
    const repo = makeRepo();
    const body = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    repo.commit('init', { 'cfg.txt': `${body.join('\n')}\n` });
    const edited = [...body];
    edited[2] = `TOKEN=${T.pat}`;
    edited[25] = `OTHER=${U.pat}`;
    repo.write({ 'cfg.txt': `${edited.join('\n')}\n` });
    // Stage only the first hunk (the one at line 3), leave the second unstaged.
    git(repo.dir, ['add', '-p', 'cfg.txt'], { input: 'y\nn\n' });
    const { code, doc } = await staged(repo);
    expect(code).toBe(1);
    expect(where(doc)).toEqual(['cfg.txt:3']);
    // And the other way round.
    git(repo.dir, ['reset', '-q', 'cfg.txt']);
    git(repo.dir, ['add', '-p', 'cfg.txt'], { input: 'n\ny\n' });
    expect(where((await staged(repo)).doc)).toEqual(['cfg.txt:26']);
  });

  it('a renamed or copied file is new content at its new path: a secret accepted at the old path (allow path, ignore glob, baseline) is not carried past the hook by a move (found by a trial)', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'old/name.env': `X=1\n${line(T.pat!)}` });
    git(repo.dir, ['mv', 'old/name.env', 'new name.env']);
    expect(where((await staged(repo)).doc)).toEqual(['new name.env:2']);
    repo.write({ 'new name.env': `X=1\n${line(T.pat!)}Y=${U.pat}\n` });
    git(repo.dir, ['add', 'new name.env']);
    expect(where((await staged(repo)).doc)).toEqual(['new name.env:2', 'new name.env:3']);
    // Accepted at the old path only: reported at the new one, for each way of accepting it.
    for (const accept of ['allow', 'ignore', 'baseline'] as const) {
      const r2 = makeRepo();
      r2.write({ 'fixtures/x.env': line(T.pat!) });
      if (accept === 'allow') r2.write({ '.hubspot-secrets.json': JSON.stringify({ allow: [{ path: 'fixtures/**', reason: 'test inputs' }] }) });
      if (accept === 'ignore') r2.write({ '.hubspot-secrets.json': JSON.stringify({ ignore: ['fixtures'] }) });
      if (accept === 'baseline') expect((await runMain(['baseline', '-q'], { cwd: r2.dir })).code).toBe(0);
      git(r2.dir, ['add', '-A']);
      r2.commit('init');
      git(r2.dir, ['mv', 'fixtures/x.env', 'config.env']);
      expect(where((await staged(r2)).doc), accept).toEqual(['config.env:1']);
      r2.commit('move');
      expect((await runMain(['scan', '--commits', 'HEAD', '-q'], { cwd: r2.dir })).code, accept).toBe(1);
      // Still accepted where it is accepted: moved within the allowed folder.
      if (accept !== 'baseline') {
        git(r2.dir, ['mv', 'config.env', 'fixtures/y.env']);
        expect((await staged(r2)).code, accept).toBe(0);
      }
    }
  });

  it('a type change (file to symlink) is new content, and the files after it keep their own added lines', async () => {
    const repo = makeRepo();
    // Path order puts the type change first: its patch has two sections (old side gone, link added).
    repo.commit('init', { 'a.txt': 'plain\n', 'b.env': `X=1\n${line(T.pat!)}`, 'c.env': 'Y=2\n' });
    git(repo.dir, ['rm', '-q', 'a.txt']);
    symlinkSync(`../${U.pat}`, path.join(repo.dir, 'a.txt'));
    repo.write({ 'b.env': `X=1\n${line(T.pat!)}Z=3\n`, 'c.env': `Y=2\n${line(U.pat!)}` });
    git(repo.dir, ['add', 'a.txt', 'b.env', 'c.env']);
    // b.env's only added line (3) holds nothing; its token on line 2 was there before.
    expect(where((await staged(repo)).doc)).toEqual(['a.txt:1', 'c.env:2']);
    const sha = repo.commit('type change');
    const r = await scanUnchanged(repo, ['scan', '--commits', sha, '-f', 'json']);
    expect(where(JSON.parse(r.stdout) as Doc)).toEqual(['a.txt:1', 'c.env:2']);
  });

  it('a deletion adds nothing', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'gone.env': line(T.pat!) });
    git(repo.dir, ['rm', '-q', 'gone.env']);
    const { code, doc } = await staged(repo);
    expect(code).toBe(0);
    expect(doc.stats.files).toBe(0);
  });

  it('binary files are skipped as binary; UTF-16 text is decoded and scanned', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'readme.md': 'hi\n' });
    const bin = Buffer.concat([Buffer.from([0, 1, 2, 3, 0, 255]), Buffer.from(line(T.pat!))]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`x\n${line(U.pat!)}`, 'utf16le')]);
    repo.write({ 'blob.bin': bin, 'wide.txt': utf16 });
    git(repo.dir, ['add', 'blob.bin', 'wide.txt']);
    const { code, doc } = await staged(repo);
    expect(code).toBe(1);
    expect(where(doc)).toEqual(['wide.txt:2']);
    expect(doc.stats.skippedBy['binary']).toBe(1);
  });

  it('while concluding a merge, content merged from the other branch is not reported again; a secret added in the resolution is', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'a.txt': 'base\n', 'conflict.txt': 'base\n' });
    git(repo.dir, ['checkout', '-q', '-b', 'side']);
    repo.commit('side adds token', { 'side.env': line(T.pat!), 'conflict.txt': 'side\n' });
    git(repo.dir, ['checkout', '-q', 'main']);
    repo.commit('main change', { 'conflict.txt': 'main\n' });
    git(repo.dir, ['merge', '-q', '--no-ff', 'side'], { ok: true }); // conflicts on conflict.txt
    repo.write({ 'conflict.txt': `resolved\n${line(U.pat!)}` });
    git(repo.dir, ['add', 'conflict.txt']);
    const { code, doc } = await staged(repo);
    expect(code).toBe(1);
    expect(where(doc)).toEqual(['conflict.txt:2']);
  });

  it('odd file names come out exactly; JSON escapes them', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'readme.md': 'hi\n' });
    const names = ['with space.env', 'new\nline.env', 'quote"s.env', "single'q.env", '-leading-dash.env', 'tab\there.env', 'ünïcödé.env'];
    for (const n of names) repo.write({ [n]: line(T.pat!) });
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x65, 0x6e, 0x76]); // "café.env" in Latin-1: not UTF-8
    const { writeFileSync } = await import('node:fs');
    writeFileSync(Buffer.concat([Buffer.from(`${repo.dir}/`), latin1]), line(T.pat!));
    git(repo.dir, ['add', '-A']);
    const { code, doc, raw } = await staged(repo);
    expect(code).toBe(1);
    expect(doc.findings.map((f) => f.path).sort()).toEqual([...names, 'caf\udce9.env'].sort());
    expect(raw).toContain('"new\\nline.env"');
    expect(raw).toContain('"caf\\udce9.env"');
    expect(raw).toContain('"quote\\"s.env"');
  });

  it('paths are relative to the repository root, also from a subfolder', async () => {
    const repo = makeRepo();
    repo.write({ 'deep/er/x.env': line(T.pat!) });
    git(repo.dir, ['add', '.']);
    expect(where((await staged(repo, path.join(repo.dir, 'deep'))).doc)).toEqual(['deep/er/x.env:1']);
  });

  it('a symlink is its link text (never followed); LFS pointers and submodules are skipped with a reason', async () => {
    const sub = makeRepo();
    sub.commit('sub', { 'secret.env': line(T.pat!) });
    const repo = makeRepo();
    repo.commit('init', { 'outside.env': line(U.pat!) });
    symlinkSync(`../${T.pat}`, path.join(repo.dir, 'link-with-token-name'));
    symlinkSync('outside.env', path.join(repo.dir, 'link-to-secret-file'));
    repo.write({ 'big.psd': `version https://git-lfs.github.com/spec/v1\noid sha256:${'a'.repeat(64)}\nsize 12345\n` });
    git(repo.dir, ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub.dir, 'vendored']);
    git(repo.dir, ['add', '-A']);
    const { code, doc } = await staged(repo);
    expect(code).toBe(1);
    expect(where(doc)).toEqual(['link-with-token-name:1']);
    expect(doc.stats.skippedBy['lfs-pointer']).toBe(1);
    expect(doc.stats.skippedBy['submodule']).toBe(1);
  });

  it('works in a linked worktree and in a sparse checkout', async () => {
    const repo = makeRepo();
    repo.commit('init', { 'a/x.txt': 'x\n', 'b/y.txt': 'y\n' });
    const wt = path.join(repo.dir, '..', `${path.basename(repo.dir)}-wt`);
    git(repo.dir, ['worktree', 'add', '-q', '-b', 'wt', wt]);
    const wrepo = new TestRepo(wt);
    git(wt, ['config', 'user.name', 'x']);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(wt, 'w.env'), line(T.pat!));
    git(wt, ['add', 'w.env']);
    expect(where((await staged(wrepo)).doc)).toEqual(['w.env:1']);
    expect(where((await staged(repo)).doc)).toEqual([]);
    git(wt, ['worktree', 'remove', '--force', wt]);

    git(repo.dir, ['sparse-checkout', 'set', 'a']);
    repo.write({ 'a/new.env': line(U.pat!) });
    git(repo.dir, ['add', 'a/new.env']);
    expect(where((await staged(repo)).doc)).toEqual(['a/new.env:1']);
  });

  it('a relative GIT_DIR / GIT_WORK_TREE set in a subfolder means what git makes of it there (git runs from the top, where ../.git named another repository: 0 files scanned, exit 0; found by a trial)', () => {
    const outer = makeRepo();
    outer.commit('outer', { 'sub/a.txt': 'a\n' });
    const inner = path.join(outer.dir, 'inner');
    git(outer.dir, ['clone', '-q', '.', 'inner']);
    const repo = new TestRepo(inner);
    repo.write({ 'sub/app.env': line(T.pat!) });
    git(inner, ['add', 'sub/app.env']);
    const cwd = path.join(inner, 'sub');
    const env = { GIT_DIR: '../.git', GIT_WORK_TREE: '..' };
    expect(git(cwd, ['diff', '--cached', '--name-only'], { env }).trim()).toBe('sub/app.env');
    const r = runBin(['scan', '--staged', '-f', 'json'], { cwd, env });
    expect(r.code, r.stderr).toBe(1);
    expect(where(JSON.parse(r.stdout) as Doc)).toEqual(['sub/app.env:1']);
  });

  it('outside a repository: exit 2 with one line, no stack', async () => {
    const { tempDir } = await import('./helpers/tmp.js');
    const r = await runMain(['scan', '--staged'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hubspot-secrets: .* is not inside a git repository\n$/);
  });

  it('--staged cannot be combined with paths or --commits', async () => {
    const repo = makeRepo();
    expect((await runMain(['scan', '--staged', 'x'], { cwd: repo.dir })).code).toBe(2);
    expect((await runMain(['scan', '--staged', '--commits', 'HEAD'], { cwd: repo.dir })).code).toBe(2);
  });
});
