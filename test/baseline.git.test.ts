/**
 * Config and baseline in git scans (the hook's `scan --staged`, `scan --commits`, `audit`): paths
 * are relative to the repository root, wherever the command runs from, and the scan stays read-only.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from './helpers/cli.js';
import { fakePrivateAppToken, Rng } from './helpers/fake-tokens.js';
import { makeRepo } from './helpers/git.js';

const rng = new Rng('baseline-git');
const tok = (): string => fakePrivateAppToken(rng);

interface Doc {
  findings: { path: string; line: number }[];
  stats: { suppressed: Record<string, number>; skippedBy: Record<string, number> };
}

async function json(argv: string[], cwd: string): Promise<{ code: number; doc: Doc; stderr: string }> {
  const r = await runMain([...argv, '-f', 'json'], { cwd });
  return { code: r.code, doc: r.stdout ? (JSON.parse(r.stdout) as Doc) : ({} as Doc), stderr: r.stderr };
}

describe('config and baseline in git scans', () => {
  const old = tok();
  const repo = makeRepo();
  repo.commit('initial', {
    'app/settings.env': `TOKEN=${old}\n`,
    'vendor/sdk.env': `TOKEN=${tok()}\n`,
    '.hubspot-secrets.json': JSON.stringify({ ignore: ['vendor\\**'], allow: [{ path: 'docs/**' }] }),
  });

  it('baseline, staged changes from a subfolder: only the new secret is reported', async () => {
    const b = await runMain(['baseline'], { cwd: repo.dir });
    expect(b.code).toBe(0);
    repo.commit('baseline', { '.hubspot-secrets-baseline.json': readFileSync(path.join(repo.dir, '.hubspot-secrets-baseline.json'), 'utf8') });

    // Lines move above the old secret; a new one comes in; vendor/ and docs/ change too.
    const fresh = tok();
    repo.write({
      'app/settings.env': `# moved\nTOKEN=${old}\nNEXT=${fresh}\n`,
      'vendor/sdk.env': `TOKEN=${tok()}\n`,
      'docs/example.md': `token: ${tok()}\n`,
    });
    repo.git('add', '-A');
    const before = repo.snapshot();
    const r = await json(['scan', '--staged'], path.join(repo.dir, 'app'));
    expect(r.stderr).toBe('');
    expect(r.doc.findings.map((f) => [f.path, f.line])).toEqual([['app/settings.env', 3]]);
    expect(r.doc.stats.suppressed).toEqual({ config: 1 });
    expect(r.doc.stats.skippedBy.ignored).toBe(1);
    expect(r.code).toBe(1);
    expect(repo.snapshot()).toBe(before);

    // Committed (the staged changes): the range reports the same single new secret.
    repo.commit('more', {});
    const range = await json(['scan', '--commits', 'HEAD~1..HEAD'], repo.dir);
    expect(range.doc.findings.map((f) => [f.path, f.line])).toEqual([['app/settings.env', 3]]);
  });

  it('audit honours the baseline and the config (history findings of baselined secrets are suppressed)', async () => {
    const r = await json(['audit'], repo.dir);
    expect(r.stderr).toBe('');
    const paths = r.doc.findings.map((f) => f.path);
    expect(paths).not.toContain('vendor/sdk.env');
    expect(paths.filter((p) => p === 'app/settings.env')).toHaveLength(1);
    expect(r.doc.stats.suppressed.baseline).toBeGreaterThanOrEqual(1);
    const all = await json(['audit', '--no-baseline'], repo.dir);
    expect(all.doc.findings.filter((f) => f.path === 'app/settings.env')).toHaveLength(2);
  });
});

describe('baseline --update of a subfolder', () => {
  it('updates the baseline a scan of that folder reads (the one above it), not a second one', async () => {
    const repo = makeRepo();
    const a = tok();
    repo.commit('initial', { 'src/a.env': `TOKEN=${a}\n`, 'other/o.env': `TOKEN=${tok()}\n` });
    expect((await runMain(['baseline'], { cwd: repo.dir })).code).toBe(0);
    const rootFile = path.join(repo.dir, '.hubspot-secrets-baseline.json');
    const before = JSON.parse(readFileSync(rootFile, 'utf8')) as { entries: unknown[] };
    expect(before.entries).toHaveLength(2);
    repo.write({ 'src/b.env': `TOKEN=${tok()}\n` });
    const u = await runMain(['baseline', 'src', '--update'], { cwd: repo.dir });
    expect(u.code).toBe(0);
    expect(existsSync(path.join(repo.dir, 'src', '.hubspot-secrets-baseline.json'))).toBe(false);
    const after = JSON.parse(readFileSync(rootFile, 'utf8')) as { entries: unknown[] };
    expect(after.entries).toHaveLength(3); // other/ left alone, src/b.env added
    const s = await json(['scan', 'src'], repo.dir);
    expect(s.code).toBe(0);
  });

  it('without --update, from the subfolder or naming it: its entries are rewritten, the other folders\' kept', async () => {
    const repo = makeRepo();
    const [a, o1, o2] = [tok(), tok(), tok()];
    repo.commit('initial', { 'src/a.env': `TOKEN=${a}\n`, 'other/o.env': `TOKEN=${o1}\nTOKEN=${o2}\n`, 'top.env': `TOKEN=${tok()}\n` });
    expect((await runMain(['baseline'], { cwd: repo.dir })).code).toBe(0);
    const rootFile = path.join(repo.dir, '.hubspot-secrets-baseline.json');
    const all = () => (JSON.parse(readFileSync(rootFile, 'utf8')) as { entries: { path: string; history?: true }[] }).entries;
    const paths = (): string[] => all().filter((e) => e.history !== true).map((e) => e.path).sort();
    expect(paths()).toEqual(['other/o.env', 'other/o.env', 'src/a.env', 'top.env']);
    // src/a.env fixed, src/b.env new: rewritten from the subfolder itself, then naming it.
    repo.write({ 'src/a.env': 'TOKEN=\n', 'src/b.env': `TOKEN=${tok()}\n` });
    const r = await runMain(['baseline', '.'], { cwd: path.join(repo.dir, 'src') });
    expect(r.code).toBe(0);
    // src/a.env's token was committed: still in the history, its entry is kept there.
    expect(r.stderr).toMatch(/5 entries \(1 added, 0 pruned, 1 no longer in the files kept for the history\)/);
    expect(paths()).toEqual(['other/o.env', 'other/o.env', 'src/b.env', 'top.env']);
    expect(all().filter((e) => e.history === true).map((e) => e.path)).toEqual(['src/a.env']);
    repo.write({ 'src/c.env': `TOKEN=${tok()}\n` });
    expect((await runMain(['baseline', 'src'], { cwd: repo.dir })).code).toBe(0);
    expect(paths()).toEqual(['other/o.env', 'other/o.env', 'src/b.env', 'src/c.env', 'top.env']);
    // Everything still accepted: a scan of the whole repository finds nothing new.
    expect((await json(['scan'], repo.dir)).code).toBe(0);
    // A baseline that cannot be read (a merge conflict's markers): rewriting part of it is refused
    // (its other entries cannot be kept), and so is rewriting it whole while it holds a history entry
    // (src/a.env's: a scan of the files cannot record it again).
    const good = readFileSync(rootFile, 'utf8');
    writeFileSync(rootFile, good.replace('\n', '\n<<<<<<< HEAD\n'));
    const part = await runMain(['baseline', '.'], { cwd: path.join(repo.dir, 'src') });
    expect(part.code).toBe(2);
    expect(part.stderr).toMatch(/\.hubspot-secrets-baseline\.json cannot be read .*its other entries would be lost/);
    expect(readFileSync(rootFile, 'utf8')).toContain('<<<<<<< HEAD');
    const whole = await runMain(['baseline'], { cwd: repo.dir });
    expect(whole.code).toBe(2);
    expect(whole.stderr).toMatch(/cannot record again the history entries it holds/);
    writeFileSync(rootFile, good);
    expect((await runMain(['baseline'], { cwd: repo.dir })).code).toBe(0);
    expect(paths()).toEqual(['other/o.env', 'other/o.env', 'src/b.env', 'src/c.env', 'top.env']);
  });
});

describe('a baselined secret removed from the files', () => {
  it('stays accepted in the history: its entry becomes a history entry, and audit still passes (found by a new-user trial)', async () => {
    const repo = makeRepo();
    repo.commit('initial', { 'a.txt': 'a\n', 'new.env': `TOKEN=${tok()}\n` });
    expect((await runMain(['baseline'], { cwd: repo.dir })).code).toBe(0);
    repo.commit('baseline', { '.hubspot-secrets-baseline.json': readFileSync(path.join(repo.dir, '.hubspot-secrets-baseline.json'), 'utf8') });
    expect((await json(['audit'], repo.dir)).code).toBe(0);
    repo.git('rm', '-q', 'new.env');
    repo.commit('remove the token');
    for (const argv of [['baseline', '--update'], ['baseline']]) {
      const u = await runMain(argv, { cwd: repo.dir });
      expect(u.code, argv.join(' ')).toBe(0);
      expect((await json(['audit'], repo.dir)).code, argv.join(' ')).toBe(0);
      expect((await json(['scan', '.'], repo.dir)).code).toBe(0);
    }
    const entries = (JSON.parse(readFileSync(path.join(repo.dir, '.hubspot-secrets-baseline.json'), 'utf8')) as { entries: { path: string; history?: true }[] }).entries;
    expect(entries).toMatchObject([{ path: 'new.env', history: true }]);
    // A file never committed (git-ignored) has no history: its entries are pruned as before, and do
    // not pile up as the secret in it changes (found by a review).
    writeFileSync(path.join(repo.dir, '.gitignore'), '.env.local\n');
    for (let k = 0; k < 3; k++) {
      writeFileSync(path.join(repo.dir, '.env.local'), `TOKEN=${tok()}\n`);
      expect((await runMain(['baseline', '--update'], { cwd: repo.dir })).code).toBe(0);
    }
    const after = (JSON.parse(readFileSync(path.join(repo.dir, '.hubspot-secrets-baseline.json'), 'utf8')) as { entries: { path: string; history?: true }[] }).entries;
    expect(after.map((e) => `${e.path}${e.history ? ' (history)' : ''}`)).toEqual(['.env.local', 'new.env (history)']);
  });
});

describe('baseline --history', () => {
  it('records what audit finds in the history (a deleted file, a commit message), and a scan of the files never prunes those entries', async () => {
    const repo = makeRepo();
    const [inDeleted, inMessage, inHead] = [tok(), tok(), tok()];
    repo.commit('add config', { 'old.env': `TOKEN=${inDeleted}\n`, 'app.env': `TOKEN=${inHead}\n` });
    repo.git('rm', '-q', 'old.env');
    repo.commit(`remove it; the token was ${inMessage}`);
    // A scan of the files accepts the one in HEAD; audit still fails on the other two.
    expect((await runMain(['baseline'], { cwd: repo.dir })).code).toBe(0);
    expect((await json(['audit'], repo.dir)).doc.findings.map((f) => f.path).sort()).toEqual(['<commit message>', 'old.env']);
    const rec = await runMain(['baseline', '--history'], { cwd: repo.dir });
    expect(rec.code).toBe(0);
    // The file entry for the secret in HEAD becomes a history entry: the history holds it too.
    expect(rec.stderr).toContain('3 entries (3 added, 0 pruned)');
    const file = JSON.parse(readFileSync(path.join(repo.dir, '.hubspot-secrets-baseline.json'), 'utf8')) as { entries: { path: string; history?: boolean; commit?: string }[] };
    expect(file.entries.map((e) => [e.path, e.history === true, /^[0-9a-f]{40}$/.test(e.commit ?? '')]).sort()).toEqual([
      ['<commit message>', true, true],
      ['app.env', true, true],
      ['old.env', true, true],
    ]);
    expect((await json(['audit'], repo.dir)).code).toBe(0);
    // Updating from the files keeps the history's entries (they are not in the files to be found).
    const upd = await runMain(['baseline', '--update'], { cwd: repo.dir });
    expect(upd.stderr).toContain('3 entries (unchanged)');
    expect((await runMain(['baseline'], { cwd: repo.dir })).stderr).toContain('3 entries (unchanged)');
    expect((await json(['audit'], repo.dir)).code).toBe(0);
    expect((await runMain(['baseline', '--history', '--update'], { cwd: repo.dir })).stderr).toContain('3 entries (unchanged)');
    // Blobs a history run could not read (too large here) keep their entries.
    const big = await runMain(['baseline', '--history', '--update', '--max-file-size', '20'], { cwd: repo.dir });
    expect(big.stderr).toContain('3 entries (unchanged)');
    // The secret removed from the files: still accepted in the history.
    repo.git('rm', '-q', 'app.env');
    repo.commit('remove app.env');
    expect((await runMain(['baseline', '--update'], { cwd: repo.dir })).stderr).toContain('3 entries (unchanged)');
    expect((await json(['audit'], repo.dir)).code).toBe(0);
    // A baseline that cannot be read (a merge conflict) holding history entries: a scan of the files
    // cannot record them again, so it does not rewrite it.
    const bl = path.join(repo.dir, '.hubspot-secrets-baseline.json');
    writeFileSync(bl, `<<<<<<< ours\n${readFileSync(bl, 'utf8')}=======\n>>>>>>> theirs\n`);
    const broken = await runMain(['baseline'], { cwd: repo.dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('cannot record again the history entries it holds');
    // Only the whole history: no paths.
    const paths = await runMain(['baseline', '--history', 'app.env'], { cwd: repo.dir });
    expect(paths.code).toBe(2);
    expect(paths.stderr).toContain('name no paths');
  });
});
