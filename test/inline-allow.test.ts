/**
 * Inline allow: `hubspot-secrets:allow` on the finding's line, `hubspot-secrets:allow-next-line`
 * on the line before, in any comment syntax. Suppressed findings are counted and listable.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inlineAllowed } from '../src/config/suppress.js';
import { runMain } from './helpers/cli.js';
import { sarifProblems } from './helpers/sarif.js';
import { fakePrivateAppToken, Rng } from './helpers/fake-tokens.js';
import { tempDir } from './helpers/tmp.js';

const rng = new Rng('inline-allow');
const tok = (): string => fakePrivateAppToken(rng);
const base = tempDir('hs-inline-');
let n = 0;

async function scanText(name: string, text: string, ...extra: string[]) {
  const dir = path.join(base, `c${n++}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, name), text);
  const r = await runMain(['scan', '-f', 'json', '--show-suppressed', ...extra], { cwd: dir });
  const doc = JSON.parse(r.stdout) as {
    findings: { line: number }[];
    suppressed: { line: number; suppressedBy: string }[];
    stats: { suppressed: Record<string, number> };
  };
  return { code: r.code, doc, dir };
}

describe('inline allow: same line, any comment syntax', () => {
  const cases: [string, (t: string) => string][] = [
    ['app.py', (t) => `TOKEN = "${t}"  # hubspot-secrets:allow`],
    ['app.ts', (t) => `const token = '${t}'; // hubspot-secrets:allow (test double)`],
    ['app.css', (t) => `/* hubspot-secrets:allow */ .x { --token: "${t}"; }`],
    ['page.html', (t) => `<meta name="token" content="${t}"> <!-- hubspot-secrets:allow -->`],
    ['q.sql', (t) => `SELECT '${t}'; -- hubspot-secrets:allow`],
    ['app.ini', (t) => `token=${t} ; hubspot-secrets:allow`],
    ['run.bat', (t) => `set TOKEN=${t} & REM hubspot-secrets:allow`],
    ['notes.md', (t) => `Example: \`${t}\` hubspot-secrets:allow`],
  ];
  it.each(cases)('%s', async (name, line) => {
    const { code, doc } = await scanText(name, `first line\n${line(tok())}\nlast line\n`);
    expect(doc.findings).toEqual([]);
    expect(doc.suppressed.map((f) => [f.line, f.suppressedBy])).toEqual([[2, 'inline']]);
    expect(doc.stats.suppressed).toEqual({ inline: 1 });
    expect(code).toBe(0);
  });

  it('covers every finding on the line, and only that line', async () => {
    const text = `a = "${tok()}", b = "${tok()}" # hubspot-secrets:allow\nc = "${tok()}"\n`;
    const { code, doc } = await scanText('two.py', text);
    expect(doc.suppressed.map((f) => f.line)).toEqual([1, 1]);
    expect(doc.findings.map((f) => f.line)).toEqual([2]);
    expect(code).toBe(1);
  });
});

describe('inline allow: next line', () => {
  it('allow-next-line covers the following line only', async () => {
    const text = [
      '# hubspot-secrets:allow-next-line',
      `A=${tok()}`,
      `B=${tok()}`,
      `C=${tok()} # hubspot-secrets:allow-next-line (does not cover its own line)`,
      `D=${tok()}`,
    ].join('\n');
    const { code, doc } = await scanText('x.env', text);
    expect(doc.suppressed.map((f) => [f.line, f.suppressedBy])).toEqual([
      [2, 'inline'],
      [5, 'inline'],
    ]);
    expect(doc.findings.map((f) => f.line)).toEqual([3, 4]);
    expect(code).toBe(1);
  });

  it('works across CRLF line endings', async () => {
    const { doc } = await scanText('w.env', `// hubspot-secrets:allow-next-line\r\nA=${tok()}\r\nB=${tok()}\r\n`);
    expect(doc.suppressed.map((f) => f.line)).toEqual([2]);
    expect(doc.findings.map((f) => f.line)).toEqual([3]);
  });
});

describe('inline allow: look-alike markers do nothing', () => {
  it.each(['hubspot-secrets:allowed', 'hubspot-secrets:allow-this', 'hubspot-secrets: allow', 'hubspot-secrets-allow'])('%s', async (marker) => {
    const { code, doc } = await scanText('x.env', `A=${tok()} # ${marker}\n`);
    expect(doc.findings).toHaveLength(1);
    expect(code).toBe(1);
  });

  it('the pure check', () => {
    const lines = ['x # hubspot-secrets:allow', 'y', '// hubspot-secrets:allow-next-line', 'z'];
    const text = (i: number): string => lines[i - 1] ?? '';
    expect([1, 2, 3, 4].map((line) => inlineAllowed({ line }, text))).toEqual([true, false, false, true]);
  });

  it('reads each line once however many findings it holds (a one-line file with 30,000 findings read its 3 MB line per finding: 35 s, found by a trial)', () => {
    const reads: number[] = [];
    const line = `${'k=v&'.repeat(1000)} hubspot-secrets:allow`;
    const text = (i: number): string => {
      reads.push(i);
      return i === 1 ? line : 'x // hubspot-secrets:allow-next-line';
    };
    for (let k = 0; k < 500; k++) expect(inlineAllowed({ line: 1 }, text)).toBe(true);
    for (let k = 0; k < 500; k++) expect(inlineAllowed({ line: 3 }, text)).toBe(true);
    expect(reads.sort()).toEqual([1, 2, 3]);
    // Another text (another lineText) is read for itself.
    const other = (i: number): string => (i === 1 ? 'plain' : '');
    expect(inlineAllowed({ line: 1 }, other)).toBe(false);
  });
});

describe('inline allow: never silent', () => {
  it('text says how many were suppressed and by what; --show-suppressed lists them', async () => {
    const t = tok();
    const { dir } = await scanText('x.env', `A=${t} # hubspot-secrets:allow\n`);
    const plain = await runMain(['scan'], { cwd: dir });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Suppressed: 1 by inline (--show-suppressed lists them).');
    expect(plain.stdout).not.toContain('x.env');
    const listed = await runMain(['scan', '--show-suppressed'], { cwd: dir });
    expect(listed.stdout).toMatch(/x\.env\n {2}1:3 +critical +HubSpot private app access token {2}pat-na1-…\w{4} {2}\[suppressed: inline\]/);
    expect(listed.stdout).not.toContain(t);
  });

  it('SARIF lists suppressed findings only with --show-suppressed, as valid SARIF suppressions', async () => {
    const { dir } = await scanText('x.env', `A=${tok()} # hubspot-secrets:allow\nB=${tok()}\n`);
    writeFileSync(path.join(dir, '.hubspot-secrets.json'), JSON.stringify({ allow: [{ path: 'y.env' }] }));
    writeFileSync(path.join(dir, 'y.env'), `C=${tok()}\n`);
    const plain = JSON.parse((await runMain(['scan', '-f', 'sarif'], { cwd: dir })).stdout);
    expect(plain.runs[0].results.map((r: { locations: { physicalLocation: { region: { startLine: number } } }[] }) => r.locations[0]!.physicalLocation.region.startLine)).toEqual([2]);
    const doc = JSON.parse((await runMain(['scan', '-f', 'sarif', '--show-suppressed'], { cwd: dir })).stdout);
    expect(sarifProblems(doc)).toEqual([]);
    type R = { locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[]; suppressions?: { kind: string }[] };
    const rows = (doc.runs[0].results as R[]).map((r) => [r.locations[0]!.physicalLocation.artifactLocation.uri, r.locations[0]!.physicalLocation.region.startLine, r.suppressions?.[0]?.kind ?? null]);
    expect(rows.sort()).toEqual([
      ['x.env', 1, 'inSource'],
      ['x.env', 2, null],
      ['y.env', 1, 'external'],
    ]);
  });
});
