/** Reporters are pure: findings in, text / JSON / SARIF out. SARIF is checked against the official schema. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { render } from '../src/report/index.js';
import { BUILTIN_RULES, builtinRuleSet } from '../src/rules/index.js';
import { compileRules } from '../src/core/rules.js';
import { scan } from '../src/scan.js';
import { fakeAll } from './helpers/fake-tokens.js';
import { runMain } from './helpers/cli.js';
import { sarifProblems } from './helpers/sarif.js';
import { tempDir } from './helpers/tmp.js';

const t = fakeAll('report');
const ruleset = builtinRuleSet();

async function result() {
  return scan(
    [
      { kind: 'item', path: 'src/a b/ü.ts', content: `const token = "${t.pat}";\nconst pak = "${t.pak}";\n` },
      { kind: 'item', path: 'k8s/secret.yaml', content: `data:\n  HUBSPOT_ACCESS_TOKEN: ${Buffer.from(t.pat).toString('base64')}\n` },
      { kind: 'item', path: 'img.png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]) },
    ],
    { ruleset },
  );
}

describe('reports', () => {
  it("the text report shows a rule's own text as safely as a path: control characters escaped (a custom rule's title printed a `::add-mask::` workflow command line and terminal escapes: found by a trial)", async () => {
    const spec = { ...BUILTIN_RULES.find((r) => r.id === 'hubspot-private-app-token')!, title: 'Token \u001b[8mhidden\u001b[0m\n::add-mask::HubSpot', remediation: { summary: 'Rotate\n::warning::ok', steps: ['Step\r\u001b[2J'] }, docs: 'https://x.example/\n::error::x' };
    const rs = compileRules([spec]);
    const r = await scan([{ kind: 'item', path: 'a.env', content: `HUBSPOT_ACCESS_TOKEN=${t.pat}\n` }], { ruleset: rs });
    const text = render('text', { result: r, ruleset: rs });
    expect(r.findings).toHaveLength(1);
    expect(text).not.toMatch(/\u001b/);
    expect(text).not.toMatch(/^::/m);
    expect(text).toContain('Token \\u001b[8mhidden\\u001b[0m\\n::add-mask::HubSpot');
    expect(text).toContain('1. Step\\r\\u001b[2J');
  });

  it('SARIF is valid 2.1.0 with rules, regions, fingerprints and relative uris', async () => {
    const doc = JSON.parse(render('sarif', { result: await result(), ruleset }));
    expect(sarifProblems(doc)).toEqual([]);
    const run = doc.runs[0];
    expect(run.tool.driver.rules).toHaveLength(ruleset.rules.length);
    for (const r of run.tool.driver.rules) expect(r.help.text.length).toBeGreaterThan(20);
    expect(run.results).toHaveLength(3);
    const first = run.results.find((x: { ruleId: string; locations: { physicalLocation: { region: { startLine: number }; artifactLocation: { uri: string } } }[] }) => x.ruleId === 'hubspot-private-app-token' && x.locations[0].physicalLocation.region.startLine === 1 && x.locations[0].physicalLocation.artifactLocation.uri.startsWith('src'));
    expect(first.locations[0].physicalLocation.artifactLocation.uri).toBe('src/a%20b/%C3%BC.ts');
    expect(first.locations[0].physicalLocation.region).toEqual({ startLine: 1, startColumn: 16, endLine: 1, endColumn: 60 });
    expect(first.partialFingerprints['hubspotSecrets/v1']).toMatch(/^[0-9a-f]{32}$/);
    expect(run.tool.driver.rules[first.ruleIndex].id).toBe(first.ruleId);
  });

  it('SARIF names a file whose name is not UTF-8 by its real bytes (no crash on the lone surrogates that stand for them)', async () => {
    const r = await scan(
      [
        { kind: 'item', path: 'bad-\udcff\udc80/x\ud83d\ude00-\ud800.env', content: `HUBSPOT_TOKEN=${t.pat}\n` },
      ],
      { ruleset },
    );
    const doc = JSON.parse(render('sarif', { result: r, ruleset }));
    expect(sarifProblems(doc)).toEqual([]);
    expect(doc.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('bad-%FF%80/x%F0%9F%98%80-%EF%BF%BD.env');
  });

  it('SARIF names a file outside the reported folder (an absolute path) by an absolute file: uri, with no base', async () => {
    const r = await scan(
      [
        { kind: 'item', path: '/tmp/other work/a.env', content: `HUBSPOT_TOKEN=${t.pat}\n` },
        { kind: 'item', path: 'C:\\Users\\me\\b.env', content: `HUBSPOT_TOKEN=${t.pak}\n` },
        { kind: 'item', path: 'in/c.env', content: `HUBSPOT_TOKEN=${t.pat}\n` },
      ],
      { ruleset },
    );
    const doc = JSON.parse(render('sarif', { result: r, ruleset }));
    expect(sarifProblems(doc)).toEqual([]);
    const where = doc.runs[0].results.map((x: { locations: { physicalLocation: { artifactLocation: unknown } }[] }) => x.locations[0]!.physicalLocation.artifactLocation);
    expect(where).toEqual(
      expect.arrayContaining([
        { uri: 'file:///tmp/other%20work/a.env' },
        { uri: 'file:///C:/Users/me/b.env' },
        { uri: 'in/c.env', uriBaseId: '%SRCROOT%' },
      ]),
    );
    expect(where).toHaveLength(3);
    // A relative path whose first folder is named like a drive (allowed on POSIX) stays relative.
    const posix = await scan([{ kind: 'item', path: 'C:/b.env', content: `HUBSPOT_TOKEN=${t.pat}\n` }], { ruleset });
    expect(JSON.parse(render('sarif', { result: posix, ruleset })).runs[0].results[0].locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'C%3A/b.env', uriBaseId: '%SRCROOT%' });
  });

  it('SARIF with no findings is valid too', async () => {
    const empty = await scan([], { ruleset });
    expect(sarifProblems(JSON.parse(render('sarif', { result: empty, ruleset })))).toEqual([]);
  });

  it('JSON counts skipped binaries and never holds raw secrets', async () => {
    const r = await result();
    const json = render('json', { result: r, ruleset });
    const doc = JSON.parse(json);
    expect(doc.stats.skipped).toBe(1);
    expect(doc.stats.skippedBy).toEqual({ binary: 1 });
    // Sorted by path: k8s/secret.yaml (base64) before src/a b/ü.ts.
    expect(doc.findings.map((f: { encoding: string }) => f.encoding)).toEqual(['base64', 'plain', 'plain']);
    for (const s of Object.values(t)) expect(json).not.toContain(s);
    for (const s of Object.values(t)) expect(render('text', { result: r, ruleset })).not.toContain(s);
  });

  it('text groups by file and explains how to fix each type once', async () => {
    const text = render('text', { result: await result(), ruleset });
    expect(text.indexOf('k8s/secret.yaml')).toBeLessThan(text.indexOf('src/a b/ü.ts'));
    expect(text.match(/HubSpot private app access token: Rotate/g)).toHaveLength(1);
    expect(text).toContain('Development › Keys › Personal Access Key');
    expect(text).toContain('does not un-leak it');
  });

  it("text's summary counts where the reported findings are: files and messages, not the suppressed ones --show-suppressed lists", async () => {
    const r = await result();
    const inK8s = r.findings.filter((f) => f.path === 'k8s/secret.yaml');
    const message = { ...r.findings[0]!, path: '<commit message>', commit: { sha: 'a'.repeat(40), message: true } };
    const shown = { ...r, findings: [...r.findings.filter((f) => f.path !== 'k8s/secret.yaml'), message], suppressed: inK8s.map((f) => ({ ...f, suppressedBy: 'baseline' as const })) };
    const text = render('text', { result: shown, ruleset, showSuppressed: true });
    // It said "3 HubSpot credentials found in 3 files" (found by a new-user trial).
    expect(text).toContain('3 HubSpot credentials found in 1 file and 1 message');
    expect(text).toContain('k8s/secret.yaml');
  });

  it('text never lets a crafted file name fake report lines or send terminal escapes', async () => {
    const evil = 'a\nsrc/ok.ts\n  1:1 critical fake\u001b[2J\ud800.env';
    const r = await scan([{ kind: 'item', path: evil, content: `x = "${t.pat}"\n` }], { ruleset });
    const text = render('text', { result: r, ruleset });
    expect(text).toContain('a\\nsrc/ok.ts\\n  1:1 critical fake\\u001b[2J\ufffd.env');
    expect(text).not.toContain('\u001b');
    expect(text.split('\n').filter((l) => l.includes('critical fake'))).toHaveLength(1);
    expect(JSON.parse(render('json', { result: r, ruleset })).findings[0].path).toBe(evil);
  });

  it("text escapes a commit's author too (anyone can write one: a trial's erased the finding's lines on a terminal)", async () => {
    const r = await scan([{ kind: 'item', path: 'a.env', content: `x = "${t.pat}"\n` }], { ruleset });
    const author = 'M\u001b[1A\u001b[2K <m@example.com\n>';
    const shown = { ...r, findings: r.findings.map((f) => ({ ...f, commit: { sha: 'a'.repeat(40), author, date: '2026-01-01' } })) };
    const text = render('text', { result: shown, ruleset });
    expect(text).toContain('M\\u001b[1A\\u001b[2K <m@example.com\\n>, 2026-01-01');
    expect(text).not.toContain('\u001b');
  });
});

describe('a token in a file name', () => {
  it('is masked in every report format and in the warnings, unless --show-secrets is passed', async () => {
    const other = fakeAll('report-name');
    const dir = tempDir('hs-name-');
    mkdirSync(path.join(dir, 'keys'));
    // A file named after a token holding a finding, and one named after a refresh token that is too large (a warning).
    writeFileSync(path.join(dir, 'keys', `${other.pat}.env`), `HUBSPOT_ACCESS_TOKEN=${t.pat}\n`);
    writeFileSync(path.join(dir, 'keys', `backup-${other.refresh}.env`), 'x'.repeat(4096));
    for (const format of ['text', 'json', 'sarif']) {
      const r = await runMain(['scan', '.', '--no-config', '--max-file-size', '1k', '-f', format], { cwd: dir });
      expect(r.code, format).toBe(1);
      const out = r.stdout + r.stderr;
      for (const secret of [other.pat!, other.refresh!, other.pat!.slice(8), other.refresh!.slice(4)]) expect(out.includes(secret), `${format}: ${secret.slice(0, 12)}…`).toBe(false);
      // SARIF writes a location as a URI (the ellipsis escaped); its message names the path as it is.
      const shown = (p: string): string => (format === 'sarif' ? encodeURI(p) : p);
      expect(out, format).toContain(shown(`keys/pat-na1-…${other.pat!.slice(-4)}.env`));
      if (format !== 'sarif') expect(out, format).toContain(`keys/backup-${other.refresh!.slice(0, 4)}…${other.refresh!.slice(-4)}.env`);
    }
    const shown = await runMain(['scan', '.', '--no-config', '--show-secrets', '-f', 'json'], { cwd: dir });
    expect(JSON.parse(shown.stdout).findings[0].path).toBe(`keys/${other.pat}.env`);
  });
});
