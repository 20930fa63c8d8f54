/**
 * Content too big to hold (a blob over BIG_BLOB, a diff of any size): read as streams, never whole,
 * in every git source — audit, staged changes, commit ranges — and git failing part-way fails the run.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { builtinRuleSet } from '../src/rules/index.js';
import { chunkPlanFor, readItem } from '../src/read.js';
import { AddedLines, DiffParser } from '../src/sources/git/diff.js';
import { historySource } from '../src/sources/git/history.js';
import { BIG_BLOB, blobStream } from '../src/sources/git/repo.js';
import { stagedSource } from '../src/sources/git/staged.js';
import { commitsSource } from '../src/sources/git/commits.js';
import type { SourceEvent, SourceOutput } from '../src/sources/types.js';
import { GitError } from '../src/errors.js';
import { runMain } from './helpers/cli.js';
import { fakeAll } from './helpers/fake-tokens.js';
import { git, GIT_TEST_ENV, makeRepo } from './helpers/git.js';

const T = fakeAll('git-big');
const U = fakeAll('git-big-2');
const V = fakeAll('git-big-3');

/** A text just over BIG_BLOB: `first` on line 1, `last` on its last line (`lines` lines in all). */
function bigText(first: string, last: string): { text: string; lines: number } {
  const filler = 'const value = "lorem ipsum dolor sit amet, consectetur adipiscing elit"; // filler\n';
  const n = Math.ceil(BIG_BLOB / filler.length) + 10;
  return { text: `HUBSPOT_TOKEN=${first}\n${filler.repeat(n)}HUBSPOT_TOKEN=${last}\n`, lines: n + 2 };
}

interface Doc {
  findings: { path: string; line: number; ruleId: string }[];
  stats: { skippedBy: Record<string, number> };
}

async function json(dir: string, argv: string[]): Promise<{ code: number; doc: Doc }> {
  const r = await runMain([...argv, '-f', 'json'], { cwd: dir });
  expect(r.stderr).not.toMatch(/error/i);
  return { code: r.code, doc: JSON.parse(r.stdout) as Doc };
}

async function events(out: AsyncIterable<SourceOutput>): Promise<SourceEvent[]> {
  const all: SourceEvent[] = [];
  for await (const o of out) all.push(...(o.kind === 'batch' ? o.events : [o]));
  return all;
}

const where = (doc: Doc): string[] => doc.findings.map((f) => `${f.path}:${f.line}`).sort();
const isStream = (e: SourceEvent | undefined): boolean =>
  e?.kind === 'item' && typeof e.content === 'object' && !(e.content instanceof Uint8Array);

describe('a blob too big to hold', () => {
  const big = bigText(T.pat!, U.pat!);

  it('is read as a stream by audit, scan --commits and scan --staged, and found whole', async () => {
    const repo = makeRepo();
    repo.commit('small', { 'small.env': `HUBSPOT_TOKEN=${V.pat!}\n` });
    repo.commit('big', { 'dump.sql': big.text });
    const want = ['dump.sql:1', `dump.sql:${big.lines}`];

    const audit = await json(repo.dir, ['audit']);
    expect(audit.code).toBe(1);
    expect(where(audit.doc)).toEqual([...want, 'small.env:1'].sort());
    expect(audit.doc.stats.skippedBy).toEqual({});
    const hist = await historySource({ cwd: repo.dir });
    const evs = await events(hist.events);
    expect(isStream(evs.find((e) => e.path === 'dump.sql'))).toBe(true);
    expect(isStream(evs.find((e) => e.path === 'small.env'))).toBe(false);
    const all = await json(repo.dir, ['audit', '--include-unreachable']);
    expect(where(all.doc)).toEqual(where(audit.doc));
    const everyObject = await events((await historySource({ cwd: repo.dir, includeUnreachable: true })).events);
    expect(isStream(everyObject.find((e) => e.path === 'dump.sql'))).toBe(true);

    const range = await json(repo.dir, ['scan', '--commits', 'HEAD']);
    expect(where(range.doc)).toEqual(want);
    expect(isStream((await events(commitsSource({ cwd: repo.dir, range: 'HEAD' }))).find((e) => e.path === 'dump.sql'))).toBe(true);

    repo.write({ 'copy.sql': big.text });
    repo.git('add', 'copy.sql');
    const staged = await json(repo.dir, ['scan', '--staged']);
    expect(where(staged.doc)).toEqual(['copy.sql:1', `copy.sql:${big.lines}`]);
    expect(isStream((await events(stagedSource({ cwd: repo.dir }))).find((e) => e.path === 'copy.sql'))).toBe(true);
  });

  it('is scanned whole when modified: git does not diff it (core.bigFileThreshold), so its old lines count too', async () => {
    const repo = makeRepo();
    repo.commit('big', { 'dump.sql': big.text });
    repo.write({ 'dump.sql': `${big.text}HUBSPOT_TOKEN=${V.pat!}\n`, 'small.env': `A=1\nHUBSPOT_TOKEN=${V.pat!}\n` });
    repo.git('add', '-A');
    const staged = await json(repo.dir, ['scan', '--staged']);
    expect(where(staged.doc)).toEqual(['dump.sql:1', `dump.sql:${big.lines}`, `dump.sql:${big.lines + 1}`, 'small.env:2'].sort());
    // A file under the threshold keeps its added lines only.
    repo.commit('both');
    repo.write({ 'small.env': `A=2\nHUBSPOT_TOKEN=${V.pat!}\nB=${U.pat!}\n` });
    repo.git('add', '-A');
    expect(where((await json(repo.dir, ['scan', '--staged'])).doc)).toEqual(['small.env:3']);
  });
});

describe('blobStream fails closed', () => {
  it('when git cannot read the blob, or gives another size than listed', async () => {
    const repo = makeRepo();
    const oid = git(repo.dir, ['hash-object', '-w', '--stdin'], { input: 'twelve bytes' }).trim();
    const read = async (id: string, size: number): Promise<number> => {
      let n = 0;
      for await (const c of blobStream(repo.dir, id, size).chunks(5)) {
        expect(c.byteLength).toBeLessThanOrEqual(5);
        n += c.byteLength;
      }
      return n;
    };
    expect(await read(oid, 12)).toBe(12);
    await expect(read(oid, 13)).rejects.toThrow(GitError);
    await expect(read('0'.repeat(40), 12)).rejects.toThrow(GitError);
  });

  it('and the pipeline does not turn its failure into a skip', async () => {
    const repo = makeRepo();
    const rs = builtinRuleSet();
    const item = { kind: 'item' as const, path: 'x', content: blobStream(repo.dir, '0'.repeat(40), 100) };
    await expect(readItem(item, rs, { plan: chunkPlanFor(rs) })).rejects.toThrow(GitError);
  });
});

describe('DiffParser', () => {
  const output = (() => {
    const repo = makeRepo();
    repo.commit('one', { 'a.txt': 'a\nb\nc\n', 'gone.txt': 'x\n', 'bin.dat': Buffer.from([0, 1, 2, 0]) });
    repo.write({ 'a.txt': 'a\nB\nc\nd\ne\n', 'new file.txt': `${'long '.repeat(2000)}\n`, 'bin.dat': Buffer.from([0, 9, 2, 0]) });
    repo.git('rm', '-q', 'gone.txt');
    repo.git('add', '-A');
    const args = ['diff-index', '--cached', '-r', 'HEAD', '--raw', '-p', '-U0', '-z', '--no-abbrev', '--no-color', '--diff-filter=AMRCT', '-M'];
    return execFileSync('git', args, { cwd: repo.dir, env: { ...process.env, ...GIT_TEST_ENV } });
  })();
  const parse = (cut: number): DiffParser => {
    const p = new DiffParser();
    for (let i = 0; i < output.length; i += cut) p.push(output.subarray(i, i + cut));
    p.end();
    return p;
  };
  const summary = (p: DiffParser) =>
    p.take().map((d) => ({ sha: d.sha, files: d.files.map((f) => `${f.file.status} ${f.file.path}${f.lines ? ` ${[1, 2, 3, 4, 5, 6].filter((n) => f.lines!.has(n)).join(',')}` : ''}`) }));

  it('reads the raw entries and each section’s added lines and binary marker', () => {
    // Binary per git, and a new file: every line.
    expect(summary(parse(output.length))).toEqual([{ sha: '', files: ['M a.txt 2,4,5', 'M bin.dat', 'A new file.txt'] }]);
  });

  it('gives the same however the output is cut', () => {
    const whole = summary(parse(output.length));
    for (const cut of [1, 2, 3, 7, 64]) expect(summary(parse(cut))).toEqual(whole);
  });
});

describe('AddedLines', () => {
  it('holds ranges, in any order, and intersects them', () => {
    const a = new AddedLines();
    a.add(10, 3); // 10-12
    a.add(13, 2); // touching: 10-14
    a.add(2, 1); // out of order
    a.add(20, 0); // nothing
    expect([1, 2, 3, 9, 10, 14, 15, 20].filter((n) => a.has(n))).toEqual([2, 10, 14]);
    const b = new AddedLines();
    b.add(1, 2); // 1-2
    b.add(12, 10); // 12-21
    const both = a.intersect(b);
    expect([1, 2, 11, 12, 14, 15].filter((n) => both.has(n))).toEqual([2, 12, 14]);
    expect(new AddedLines().intersect(a).empty).toBe(true);
    // A span of lines (a wrapped base64 block): any line of it.
    expect([[1, 1], [1, 2], [3, 9], [3, 10], [15, 30], [11, 11], [0, 100]].map(([f, t]) => a.overlaps(f!, t!))).toEqual([false, true, false, true, false, true, true]);
    expect(new AddedLines().overlaps(1, 100)).toBe(false);
  });
});
