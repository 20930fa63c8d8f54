/**
 * The baseline: `hubspot-secrets baseline` records findings by fingerprint; scans then report only
 * new ones. Byte-identical on re-runs, robust to moved lines, strict about swapped secrets.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeBaseline, serializeBaseline, type BaselineEntry } from '../src/config/baseline.js';
import { runBin, runMain } from './helpers/cli.js';
import { fakeAll, fakePrivateAppToken, Rng } from './helpers/fake-tokens.js';
import { tempDir } from './helpers/tmp.js';

const rng = new Rng('baseline');
const tok = (): string => fakePrivateAppToken(rng);
const t = fakeAll('baseline-all');
const base = tempDir('hs-baseline-');
let n = 0;
const BASELINE = '.hubspot-secrets-baseline.json';

function project(files: Record<string, string>): string {
  const dir = path.join(base, `p${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) write(dir, rel, text);
  return dir;
}

function write(dir: string, rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
}

interface Doc {
  findings: { path: string; line: number; ruleId: string }[];
  suppressed?: { path: string; line: number; suppressedBy: string }[];
  stats: { suppressed: Record<string, number> };
}

async function scanJson(cwd: string, ...extra: string[]): Promise<{ code: number; doc: Doc; stderr: string }> {
  const r = await runMain(['scan', '-f', 'json', '--show-suppressed', ...extra], { cwd });
  return { code: r.code, doc: r.stdout ? (JSON.parse(r.stdout) as Doc) : ({} as Doc), stderr: r.stderr };
}

const readBaselineFile = (dir: string, name = BASELINE): { version: number; entries: BaselineEntry[] } =>
  JSON.parse(readFileSync(path.join(dir, name), 'utf8'));

describe('baseline: the file', () => {
  const secrets = [tok(), tok(), tok()];
  let dir: string;
  let first: string;
  beforeAll(async () => {
    dir = project({
      'z/last.env': `TOKEN=${secrets[0]}\n`,
      'a.env': `# header\nTOKEN=${secrets[1]}\nOTHER=${secrets[2]}\nREFRESH=${t.refresh}\n`,
      'clean.txt': 'nothing\n',
    });
    const r = await runMain(['baseline'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`${BASELINE}: 4 entries (4 added, 0 pruned).\n`);
    first = readFileSync(path.join(dir, BASELINE), 'utf8');
  });

  it('holds fingerprint, rule, path and line, sorted, and never a secret', () => {
    const doc = JSON.parse(first) as { version: number; entries: BaselineEntry[] };
    expect(Object.keys(doc)).toEqual(['version', 'entries']);
    expect(doc.entries.map((e) => [e.path, e.line, e.rule])).toEqual([
      ['a.env', 2, 'hubspot-private-app-token'],
      ['a.env', 3, 'hubspot-private-app-token'],
      ['a.env', 4, 'hubspot-oauth-refresh-token'],
      ['z/last.env', 1, 'hubspot-private-app-token'],
    ]);
    for (const e of doc.entries) {
      expect(Object.keys(e)).toEqual(['fingerprint', 'rule', 'path', 'line']);
      expect(e.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    }
    for (const s of [...secrets, t.refresh!]) {
      expect(first).not.toContain(s);
      expect(first).not.toContain(s.slice(-12));
    }
    expect(first).not.toMatch(/20\d\d-\d\d-\d\d|version": "\d/);
  });

  it('is byte-identical when re-run on unchanged code (with and without --update)', async () => {
    const again = await runMain(['baseline'], { cwd: dir });
    expect(again.stderr).toBe(`${BASELINE}: 4 entries (unchanged).\n`);
    expect(readFileSync(path.join(dir, BASELINE), 'utf8')).toBe(first);
    const update = await runMain(['baseline', '--update'], { cwd: dir });
    expect(update.stderr).toBe(`${BASELINE}: 4 entries (unchanged).\n`);
    expect(readFileSync(path.join(dir, BASELINE), 'utf8')).toBe(first);
  });

  it('makes scan quiet, and says what it suppressed', async () => {
    const { code, doc } = await scanJson(dir);
    expect(code).toBe(0);
    expect(doc.findings).toEqual([]);
    expect(doc.stats.suppressed).toEqual({ baseline: 4 });
    expect(doc.suppressed?.every((f) => f.suppressedBy === 'baseline')).toBe(true);
    const text = await runMain(['scan'], { cwd: dir });
    expect(text.stdout).toContain('Suppressed: 4 by baseline (--show-suppressed lists them).');
  });

  it('--no-baseline reports everything again', async () => {
    const { code, doc } = await scanJson(dir, '--no-baseline');
    expect(code).toBe(1);
    expect(doc.findings).toHaveLength(4);
    expect(doc.stats.suppressed).toEqual({});
  });

  it('the same entries come out of serializeBaseline whatever the input order', () => {
    const entries = readBaselineFile(dir).entries;
    expect(serializeBaseline([...entries].reverse())).toBe(first);
    expect(serializeBaseline([...entries, ...entries])).toBe(first);
  });
});

describe('baseline: moving lines and swapping secrets', () => {
  it('a baselined secret stays hidden when lines are inserted above it', async () => {
    const s = tok();
    const dir = project({ 'app.env': `A=1\nTOKEN=${s}\n` });
    await runMain(['baseline'], { cwd: dir });
    write(dir, 'app.env', `# a new comment\n# and another\n\nA=1\nB=2\nTOKEN=${s}\n`);
    const { code, doc } = await scanJson(dir);
    expect(doc.findings).toEqual([]);
    expect(doc.suppressed?.map((f) => [f.line, f.suppressedBy])).toEqual([[6, 'baseline']]);
    expect(code).toBe(0);
  });

  it('a different secret swapped onto a baselined line is reported', async () => {
    const dir = project({ 'app.env': `A=1\nTOKEN=${tok()}\n` });
    await runMain(['baseline'], { cwd: dir });
    write(dir, 'app.env', `A=1\nTOKEN=${tok()}\n`);
    const { code, doc } = await scanJson(dir);
    expect(doc.findings.map((f) => [f.path, f.line])).toEqual([['app.env', 2]]);
    expect(doc.stats.suppressed).toEqual({});
    expect(code).toBe(1);
  });

  it('the same secret copied to another file is reported there', async () => {
    const s = tok();
    const dir = project({ 'a.env': `TOKEN=${s}\n` });
    await runMain(['baseline'], { cwd: dir });
    write(dir, 'b.env', `TOKEN=${s}\n`);
    const { code, doc } = await scanJson(dir);
    expect(doc.findings.map((f) => f.path)).toEqual(['b.env']);
    expect(code).toBe(1);
  });
});

describe('baseline: --update', () => {
  it('adds new findings, prunes fixed ones, keeps unchanged entries byte for byte', async () => {
    const [keep, fixed, added] = [tok(), tok(), tok()];
    const dir = project({ 'keep.env': `X=${keep}\n`, 'fixed.env': `X=${fixed}\n` });
    await runMain(['baseline'], { cwd: dir });
    const before = readBaselineFile(dir).entries;
    write(dir, 'keep.env', `# moved down\nX=${keep}\n`);
    write(dir, 'fixed.env', `X=from-the-environment\n`);
    write(dir, 'new.env', `X=${added}\n`);
    const r = await runMain(['baseline', '--update'], { cwd: dir });
    expect(r.stderr).toBe(`${BASELINE}: 2 entries (1 added, 1 pruned).\n`);
    const after = readBaselineFile(dir).entries;
    expect(after.map((e) => [e.path, e.line])).toEqual([
      ['keep.env', 1],
      ['new.env', 1],
    ]);
    expect(after[0]).toEqual(before.find((e) => e.path === 'keep.env'));
  });

  it('entries outside the scanned paths are kept', async () => {
    const dir = project({ 'a/x.env': `X=${tok()}\n`, 'b/y.env': `X=${tok()}\n` });
    await runMain(['baseline', '--output', BASELINE], { cwd: dir });
    write(dir, 'a/x.env', 'X=gone\n');
    // Scanning only b/ cannot tell whether a/'s entry is stale.
    const r = await runMain(['baseline', 'b', '--output', BASELINE, '--update'], { cwd: dir });
    expect(r.stderr).toBe(`${BASELINE}: 2 entries (unchanged).\n`);
    await runMain(['baseline', 'a', 'b', '--output', BASELINE, '--update'], { cwd: dir });
    expect(readBaselineFile(dir).entries.map((e) => e.path)).toEqual(['b/y.env']);
  });

  it('run in a subfolder of a repository without a baseline: a new one at the root, which the hook reads (found by a new-user trial)', async () => {
    const dir = project({ 'sub/dir/k.env': `X=${tok()}\n` });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    execFileSync('git', ['add', '.'], { cwd: dir });
    const sub = path.join(dir, 'sub/dir');
    const r = await runMain(['baseline'], { cwd: sub });
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, BASELINE))).toBe(true);
    expect(existsSync(path.join(sub, BASELINE))).toBe(false);
    expect((await runMain(['scan', '--staged'], { cwd: dir })).code).toBe(0);
    expect((await runMain(['scan', '.'], { cwd: sub })).code).toBe(0);
    // Outside a repository, in the scanned folder as before.
    const plain = project({ 'p/k.env': `X=${tok()}\n` });
    expect((await runMain(['baseline'], { cwd: path.join(plain, 'p') })).code).toBe(0);
    expect(existsSync(path.join(plain, 'p', BASELINE))).toBe(true);
  });

  it('entries of paths the config now ignores are kept, rewriting or updating (found by a new-user trial)', async () => {
    const dir = project({ 'svc/a/a.env': `X=${tok()}\n`, 'svc/b/b.env': `X=${tok()}\n` });
    await runMain(['baseline'], { cwd: dir });
    expect(readBaselineFile(dir).entries.map((e) => e.path)).toEqual(['svc/a/a.env', 'svc/b/b.env']);
    writeFileSync(path.join(dir, '.hubspot-secrets.json'), JSON.stringify({ ignore: ['svc/b'] }));
    for (const argv of [['baseline'], ['baseline', '--update']]) {
      const r = await runMain(argv, { cwd: dir });
      expect(r.stderr, argv.join(' ')).toBe(`${BASELINE}: 2 entries (unchanged).\n`);
    }
    // The ignore removed again: the finding is still accepted.
    writeFileSync(path.join(dir, '.hubspot-secrets.json'), '{}');
    expect((await runMain(['scan', '.'], { cwd: dir })).code).toBe(0);
  });

  it('merge keeps, adds and prunes by fingerprint (pure)', () => {
    const e = (fingerprint: string, p: string, line = 1): BaselineEntry => ({ fingerprint, rule: 'r', path: p, line });
    const m = mergeBaseline([e('aa', 'x', 5), e('bb', 'y'), e('cc', 'out/z')], [e('aa', 'x', 9), e('dd', 'w')], (x) => !x.path.startsWith('out/'));
    expect(m).toEqual({ entries: [e('aa', 'x', 5), e('cc', 'out/z'), e('dd', 'w')], added: 1, pruned: 1, kept: 2 });
  });
});

describe('baseline: where it is found', () => {
  it('from a subfolder of the repository, the baseline at its root still matches', async () => {
    const dir = project({ 'src/app/conf.env': `X=${tok()}\n` });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    await runMain(['baseline'], { cwd: dir });
    const { code, doc } = await scanJson(path.join(dir, 'src'));
    expect(doc.findings).toEqual([]);
    expect(doc.suppressed?.map((f) => f.path)).toEqual(['app/conf.env']);
    expect(code).toBe(0);
  });

  it('`baseline DIR` writes into DIR, and `scan DIR` uses it', async () => {
    const dir = project({ 'conf.env': `X=${tok()}\n` });
    const rel = path.relative(base, dir);
    const r = await runMain(['baseline', rel], { cwd: base });
    expect(r.code).toBe(0);
    expect(existsSync(path.join(dir, BASELINE))).toBe(true);
    expect(readBaselineFile(dir).entries.map((e) => e.path)).toEqual(['conf.env']);
    const { code } = await scanJson(base, rel);
    expect(code).toBe(0);
  });

  it('--baseline FILE and --output FILE name another place', async () => {
    const dir = project({ 'conf.env': `X=${tok()}\n` });
    await runMain(['baseline', '-o', 'ci/known.json'], { cwd: dir });
    expect(existsSync(path.join(dir, BASELINE))).toBe(false);
    expect(readBaselineFile(dir, 'ci/known.json').entries.map((e) => e.path)).toEqual(['../conf.env']);
    expect((await scanJson(dir)).code).toBe(1);
    expect((await scanJson(dir, '--baseline', 'ci/known.json')).code).toBe(0);
  });
});

describe('baseline: errors fail closed', () => {
  it('a missing --baseline FILE is exit 2', async () => {
    const dir = project({ 'conf.env': 'x\n' });
    const r = await scanJson(dir, '--baseline', 'missing.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('hubspot-secrets: missing.json: cannot read baseline: no such file\n');
  });

  it.each([
    ['not JSON', '{', /^hubspot-secrets: \.hubspot-secrets-baseline\.json: baseline is not valid JSON: /],
    ['wrong shape', '{"version":1,"entries":[{"fingerprint":"zz","rule":"r","path":"a","line":0,"secret":"x"}]}', /invalid baseline:\n {2}\/entries\/0: unknown key "secret"\n {2}\/entries\/0\/fingerprint: must match pattern "\^\[0-9a-f\]\{16,64\}\$"\n {2}\/entries\/0\/line: must be >= 1\n$/],
    ['wrong version', '{"version":2,"entries":[]}', /invalid baseline:\n {2}\/version: must be 1\n$/],
  ])('a broken baseline found automatically is exit 2 (%s)', async (_name, text, message) => {
    const dir = project({ 'conf.env': `X=${tok()}\n`, [BASELINE]: text });
    const r = await scanJson(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    // --update refuses to merge into it as well; a plain rewrite replaces it.
    expect((await runMain(['baseline', '--update'], { cwd: dir })).code).toBe(2);
    expect((await runMain(['baseline'], { cwd: dir })).code).toBe(0);
    expect((await scanJson(dir)).code).toBe(0);
  });

  it('standard input cannot be baselined', async () => {
    const r = await runMain(['baseline', '-'], { cwd: base });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('standard input cannot be baselined');
  });
});

describe('baseline: the real bin', () => {
  it('baseline, then scan: 0; a new secret: 1, and only it is reported', () => {
    const dir = project({ 'old.env': `X=${tok()}\n` });
    expect(runBin(['baseline'], { cwd: dir }).code).toBe(0);
    const first = readFileSync(path.join(dir, BASELINE), 'utf8');
    expect(runBin(['baseline'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(path.join(dir, BASELINE), 'utf8')).toBe(first);
    expect(runBin(['scan'], { cwd: dir }).code).toBe(0);
    write(dir, 'new.env', `X=${tok()}\n`);
    const r = runBin(['scan', '-f', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.findings.map((f) => f.path)).toEqual(['new.env']);
    expect(doc.stats.suppressed).toEqual({ baseline: 1 });
  });
});
