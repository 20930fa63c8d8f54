/**
 * The CLI, in-process through main() and again through the real bundled bin: exit codes, formats,
 * redaction, errors. Fixture secrets are generated; none may appear in default output.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { BIN, runBin, runBinAsync, runMain } from './helpers/cli.js';
import { fakeAll } from './helpers/fake-tokens.js';
import { loadFixtures, writeFixtures } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';

const t = fakeAll('cli');
const dir = tempDir();
const clean = path.join(dir, 'clean');
const dirty = path.join(dir, 'dirty');
mkdirSync(clean);
mkdirSync(path.join(dirty, 'config'), { recursive: true });
writeFileSync(path.join(clean, 'app.ts'), 'export const portalId = 1234567;\n');
writeFileSync(path.join(dirty, 'config', 'prod.env'), `# prod\nHUBSPOT_ACCESS_TOKEN=${t.pat}\n`);
writeFileSync(path.join(dirty, 'ok.txt'), 'nothing here\n');

const fixturesDir = path.join(dir, 'fixtures');
const fixtures = loadFixtures();
writeFixtures(fixturesDir, fixtures);
const allGenerated = fixtures.flatMap((f) => f.generated);

for (const [name, run] of [
  ['main()', runMain],
  ['bin', async (argv: string[], opts: Parameters<typeof runBin>[1]) => runBin(argv, opts)],
] as const) {
  describe(`CLI via ${name}`, () => {
    it('exits 0 on a clean tree and says so', async () => {
      const r = await run(['scan'], { cwd: clean });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/No HubSpot credentials found \(1 file scanned/);
    });

    it('exits 1 with file, line, column, rule and a redacted preview', async () => {
      const r = await run(['scan', '.'], { cwd: dirty });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('config/prod.env');
      expect(r.stdout).toMatch(/2:22 +critical HubSpot private app access token {2}pat-na1-…[0-9a-f]{4}/);
      expect(r.stdout).toContain('Private Apps');
      expect(r.stdout).not.toContain(t.pat);
      expect(r.stdout).not.toContain('\u001b[');
    });

    it('prints the full secret only with --show-secrets', async () => {
      const r = await run(['scan', '--show-secrets'], { cwd: dirty });
      expect(r.stdout).toContain(t.pat);
    });

    it('writes JSON with the documented shape', async () => {
      const r = await run(['scan', '--format', 'json'], { cwd: dirty });
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(doc.version).toBe(1);
      expect(doc.tool.name).toBe('hubspot-secrets');
      expect(doc.findings).toHaveLength(1);
      const f = doc.findings[0];
      expect(f).toMatchObject({ ruleId: 'hubspot-private-app-token', path: 'config/prod.env', line: 2, column: 22, endLine: 2, endColumn: 66, severity: 'critical' });
      expect(f.secret).toMatch(/^pat-na1-…[0-9a-f]{4}$/);
      expect(f.fingerprint).toMatch(/^[0-9a-f]{32}$/);
      expect(doc.stats).toMatchObject({ files: 2, skipped: 0 });
      expect(typeof doc.stats.bytes).toBe('number');
      expect(typeof doc.stats.durationMs).toBe('number');
      expect(r.stdout).not.toContain(t.pat);
    });

    it('writes the report to --output and a summary to stderr', async () => {
      const out = path.join(dir, `${name}-report.sarif`);
      const r = await run(['scan', '-f', 'sarif', '-o', out], { cwd: dirty });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('1 HubSpot credential found');
      expect(JSON.parse(readFileSync(out, 'utf8')).version).toBe('2.1.0');
      const none = await run(['scan', '-f', 'json', '-o', out], { cwd: clean });
      expect(none.code).toBe(0);
      expect(none.stderr).toBe(`No HubSpot credentials found; json report written to ${out}\n`);
    });

    it('reads standard input with -', async () => {
      const r = await run(['scan', '-', '--stdin-filename', 'pasted.env', '-f', 'json'], { cwd: clean, stdin: `x=1\nHUBSPOT_API_KEY=${t.uuid}\n` });
      expect(r.code).toBe(1);
      const f = JSON.parse(r.stdout).findings[0];
      expect(f).toMatchObject({ path: 'pasted.env', line: 2, ruleId: 'hubspot-legacy-api-key' });
    });

    it('exits 2 on an unknown flag, a bad format and a missing path, naming them', async () => {
      const a = await run(['scan', '--frobnicate'], { cwd: clean });
      expect(a.code).toBe(2);
      expect(a.stderr).toContain('Unknown argument: --frobnicate\n');
      // As typed: each once (not also in camel case), with its dashes; a stray word bare.
      for (const [argv, said] of [
        [['scan', '--show-secretz=1', '-qz'], 'Unknown arguments: --show-secretz, -z\n'],
        [['rules', '-f', 'json'], 'Unknown argument: -f\n'],
        [['baseline', '--no-baseline'], 'Unknown argument: --no-baseline\n'],
        [['scan', '--include-unreachable'], 'Unknown argument: --include-unreachable\n'],
        [['rules', 'extra'], 'Unknown argument: extra\n'],
        [['rules', 'json', '--json'], 'Unknown argument: json\n'],
        [['rules', 'q', '-q'], 'Unknown argument: q\n'],
        // What is missing, said as such (not yargs' "Not enough non-option arguments").
        [['hook'], 'hook: name an action: install, uninstall or run'],
        [['verify'], 'verify: name the token, or - to read it from standard input'],
        // An unknown option took the token as its value: named, not the token said missing.
        [['verify', '--show-secrets', 'x'], 'Unknown argument: --show-secrets\n'],
        [['scan', '-o', ''], '--output needs a file name (or - for standard output)\n'],
      ] as const) {
        const r = await run([...argv], { cwd: clean });
        expect(r.code, argv.join(' ')).toBe(2);
        expect(r.stderr, argv.join(' ')).toContain(said);
      }
      const b = await run(['scan', '--format', 'xml'], { cwd: clean });
      expect(b.code).toBe(2);
      expect(b.stderr).toMatch(/format/);
      const c = await run(['scan', 'does-not-exist'], { cwd: clean });
      expect(c.code).toBe(2);
      expect(c.stderr).toContain('does-not-exist');
      const d = await run([], { cwd: clean });
      expect(d.code).toBe(2);
    });

    it('prints help with exit codes, the version, and the rules', async () => {
      const h = await run(['--help'], { cwd: clean });
      expect(h.code).toBe(0);
      expect(h.stdout).toContain('Exit codes: 0 no findings, 1 findings, 2');
      const v = await run(['--version'], { cwd: clean });
      expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      const rules = await run(['rules'], { cwd: clean });
      expect(rules.stdout.trim().split('\n')).toHaveLength(8);
    });

    it('never prints a fixture secret in default text, JSON or SARIF output', async () => {
      for (const format of ['text', 'json', 'sarif']) {
        const r = await run(['scan', '-f', format], { cwd: fixturesDir });
        expect(r.code).toBe(1);
        const leaked = allGenerated.filter((s) => s.length >= 16 && (r.stdout.includes(s) || r.stderr.includes(s)));
        expect(leaked.length, `${format}: ${leaked.length} raw fixture values in output`).toBe(0);
      }
    });
  });
}

describe('colour', () => {
  it('is on for a TTY, off with NO_COLOR', async () => {
    const on = await runMain(['scan'], { cwd: dirty, tty: true, env: {} });
    expect(on.stdout).toContain('\u001b[');
    const off = await runMain(['scan'], { cwd: dirty, tty: true, env: { NO_COLOR: '1' } });
    expect(off.stdout).not.toContain('\u001b[');
  });
});

describe('--max-file-size', () => {
  it.each(['', '0', '-5', 'abc', '10XB', '1.5MB'])('rejects %j with exit 2 (a bad limit must not skip everything silently)', async (v) => {
    const r = await runMain(['scan', '--max-file-size', v], { cwd: dirty });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-file-size: expected a positive size');
  });
  it.each([
    ['20', 1],
    ['1k', 2],
    ['10MB', 2],
  ])('%s skips larger files and scans the rest', async (v, files) => {
    const r = await runMain(['scan', '--max-file-size', v, '-f', 'json'], { cwd: dirty });
    expect(JSON.parse(r.stdout).stats.files).toBe(files);
  });
});

describe('--quiet', () => {
  it('prints the findings only, and nothing at all when clean', async () => {
    const dirtyRun = await runMain(['scan', '-q'], { cwd: dirty });
    expect(dirtyRun.code).toBe(1);
    expect(dirtyRun.stdout).toMatch(/^config\/prod\.env\n {2}2:22 /);
    expect(dirtyRun.stdout).not.toMatch(/How to fix|found in|scanned/);
    const cleanRun = await runMain(['scan', '-q'], { cwd: clean });
    expect(cleanRun).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});

describe('report order', () => {
  it('is the same on every run, whatever order files are read in', async () => {
    const many = path.join(dir, 'many');
    for (let i = 0; i < 40; i++) {
      mkdirSync(path.join(many, `d${i % 7}`), { recursive: true });
      writeFileSync(path.join(many, `d${i % 7}`, `f${i}.env`), `${'x\n'.repeat(i * 50)}HUBSPOT_API_KEY=${fakeAll(`order${i}`).uuid}\n`);
    }
    const runs = await Promise.all([1, 2, 3].map(() => runMain(['scan', '-f', 'sarif'], { cwd: many })));
    const order = runs.map((r) => JSON.parse(r.stdout).runs[0].results.map((x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => x.locations[0]!.physicalLocation.artifactLocation.uri).join(','));
    expect(new Set(order).size).toBe(1);
    expect(order[0]!.split(',')).toEqual([...order[0]!.split(',')].sort());
  });
});

describe('roots that overlap', () => {
  it('scan a folder and a file or folder inside it: each file is read and reported once', async () => {
    const r = await runMain(['scan', 'dirty', 'dirty/config', 'dirty/config/prod.env', '-f', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { findings: { path: string }[]; stats: { files: number } };
    expect(doc.findings.map((f) => f.path)).toEqual(['dirty/config/prod.env']);
    expect(doc.stats.files).toBe(2);
  });
});

describe('--fail-on', () => {
  it.each(['none', 'never'])('%s reports findings and exits 0 (never is the Action’s word for none)', async (v) => {
    const r = await runMain(['scan', '--fail-on', v, '-f', 'json'], { cwd: dirty });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).findings).toHaveLength(1);
  });
});

describe('--stdin-filename', () => {
  it('without - is a usage error, not a silent scan of the folder', async () => {
    const r = await runMain(['scan', '--stdin-filename', 'pasted.env'], { cwd: dirty, stdin: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--stdin-filename names standard input');
  });

  it("an empty name is a usage error (it gave an empty path and an empty SARIF uri: found by a trial)", async () => {
    const r = await runMain(['scan', '-', '--stdin-filename', '', '-f', 'sarif'], { cwd: dirty, stdin: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('hubspot-secrets: --stdin-filename needs a name (the path to report for standard input)\n');
    expect(r.stdout).toBe('');
  });

  it('--max-file-size holds for standard input too: too large is skipped and warned, --strict exit 2', async () => {
    const t = fakeAll('stdin-max');
    const big = `HUBSPOT_API_KEY=${t.uuid}\n${'x'.repeat(2000)}\n`;
    const r = await runMain(['scan', '-', '--max-file-size', '1k', '-f', 'json'], { cwd: dirty, stdin: big });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).stats.skippedBy).toEqual({ 'too-large': 1 });
    const strict = await runMain(['scan', '-', '--max-file-size', '1k', '--strict'], { cwd: dirty, stdin: big });
    expect(strict.code).toBe(2);
    const fits = await runMain(['scan', '-', '--max-file-size', '1M', '-f', 'json'], { cwd: dirty, stdin: big });
    expect(fits.code).toBe(1);
  });
});

describe('a reader that stops early', () => {
  it('`| head`-style closed stdout: no EPIPE crash, the exit code still says what was found', async () => {
    const dir = tempDir('hs-epipe-');
    const t = fakeAll('epipe');
    // Enough findings that the report outgrows the pipe's buffer.
    for (let i = 0; i < 40; i++) writeFileSync(path.join(dir, `f${i}.env`), `HUBSPOT_TOKEN=${t.pat}\n`.repeat(200));
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" scan . -f json | true; echo "code=\${PIPESTATUS[0]}"`], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(r.stdout.trim()).toBe('code=1');
  });
});

describe('options before the command', () => {
  it('are the command\'s own (`-q scan .`, `--strict audit`); an option the command lacks is still refused', async () => {
    const { commandFirst } = await import('../src/cli/main.js');
    expect(commandFirst(['-q', 'scan', '.'])).toEqual(['scan', '-q', '.']);
    expect(commandFirst(['--format', 'json', 'scan', '.'])).toEqual(['scan', '--format', 'json', '.']);
    expect(commandFirst(['scan', '-q'])).toEqual(['scan', '-q']);
    expect(commandFirst(['-q', '--', 'scan'])).toEqual(['-q', '--', 'scan']);
    expect(commandFirst(['--version'])).toEqual(['--version']);
    const dir = tempDir('hs-before-');
    writeFileSync(path.join(dir, 'a.env'), `HUBSPOT_TOKEN=${t.pat}\n`);
    const quiet = await runMain(['-q', 'scan', '.'], { cwd: dir });
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toContain('a.env');
    const wrong = await runMain(['--show-secrets', 'rules'], { cwd: dir });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/Unknown argument/);
  });
});


describe('a flag given a value', () => {
  it("=true / =false are taken; any other value is a usage error naming the flag (yargs took --strict=yes for false: a file that could not be scanned passed, found by a trial)", async () => {
    const dir = tempDir('hs-flagvalue-');
    writeFileSync(path.join(dir, 'big.txt'), 'a'.repeat(3000));
    expect((await runMain(['scan', '.', '--strict', '--max-file-size', '100'], { cwd: dir })).code).toBe(2);
    expect((await runMain(['scan', '.', '--strict=true', '--max-file-size', '100'], { cwd: dir })).code).toBe(2);
    expect((await runMain(['scan', '.', '--strict=false', '--max-file-size', '100'], { cwd: dir })).code).toBe(0);
    for (const flag of ['--strict=yes', '--strict=1', '--no-strict=0', '--verify=yes', `--show-secrets=${t.pat}`]) {
      const r = await runMain(['scan', '.', flag, '--max-file-size', '100'], { cwd: dir });
      expect(r.code, flag).toBe(2);
      expect(r.stderr, flag).toContain(`${flag.split('=')[0]} is a flag: give it alone (or =true / =false), not another value`);
      expect(r.stderr).not.toContain(t.pat);
    }
    // After `--`, a path that looks like one is a path.
    expect((await runMain(['scan', '--', '--strict=yes'], { cwd: dir })).stderr).not.toContain('is a flag');
  });
});

describe('a token typed in the wrong place of a command line', () => {
  it('is not printed back in full by the usage or input error that names it (each quoted it whole: an unknown argument, a path, a revision)', async () => {
    const d = tempDir('hs-typed-token-');
    execFileSync('git', ['init', '-q'], { cwd: d });
    for (const token of [t.pat!, t.refresh!, t.uuid!, t.oauth!]) {
      for (const argv of [['rules', token], ['rules', '--', token], ['scan', token], ['audit', '--', '.', token], ['hook', 'install', token], ['scan', '--commits', token]]) {
        const r = await runMain(argv, { cwd: d });
        expect(r.code, argv[0]).toBe(2);
        expect(r.stderr.length, argv.join(' ')).toBeGreaterThan(0);
        expect(r.stderr, argv[0]).not.toContain(token);
        expect(r.stderr, argv[0]).toContain(`…${token.slice(-4)}`);
      }
    }
  });
});

describe('what follows `--`', () => {
  it("is each command's positional arguments: audit's repository, baseline's paths; a command that takes none refuses them (audit -- ../repo audited the current folder and passed, baseline -- docs recorded every folder: found by a trial)", async () => {
    const root = tempDir('hs-dashdash-');
    const repo = (name: string, files: Record<string, string>): string => {
      const d = path.join(root, name);
      mkdirSync(d, { recursive: true });
      const g = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: d, encoding: 'utf8' });
      g('init', '-q');
      for (const [f, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
        writeFileSync(path.join(d, f), text);
      }
      g('add', '-A');
      g('commit', '-q', '--allow-empty', '-m', 'c');
      return d;
    };
    const leaky = repo('leaky', { 'docs/readme.md': 'clean\n', 'prod.env': `HUBSPOT_TOKEN=${t.pat}\n` });
    const cleanRepo = repo('clean', { 'a.txt': 'clean\n' });
    expect((await runMain(['audit', '-q', leaky], { cwd: cleanRepo })).code).toBe(1);
    expect((await runMain(['audit', '-q', '--', leaky], { cwd: cleanRepo })).code).toBe(1);
    const missing = await runMain(['audit', '--', path.join(root, 'nope')], { cwd: cleanRepo });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope: no such directory');
    for (const argv of [['audit', '--', leaky, cleanRepo], ['audit', leaky, '--', cleanRepo]]) {
      const r = await runMain(argv, { cwd: cleanRepo });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain(`audit: takes one repository; unexpected argument '${cleanRepo}'`);
    }
    // The baseline of docs/ alone: prod.env's token is not accepted by it.
    const base = await runMain(['baseline', '--', 'docs'], { cwd: leaky });
    expect(base.code).toBe(0);
    expect(base.stderr + base.stdout).toContain(': 0 entries');
    expect((await runMain(['scan', '-q', '.'], { cwd: leaky })).code).toBe(1);
    const rules = await runMain(['rules', '--', 'x'], { cwd: cleanRepo });
    expect(rules.code).toBe(2);
    expect(rules.stderr).toContain("rules: takes no arguments; unexpected argument 'x'");
    const hook = await runMain(['hook', 'install', '--', 'pre-push'], { cwd: cleanRepo });
    expect(hook.code).toBe(2);
    expect(hook.stderr).toContain("hook install: unexpected argument 'pre-push'");
    expect(existsSync(path.join(cleanRepo, '.git/hooks/pre-commit'))).toBe(false);
  });
});

describe('an option given twice', () => {
  it('the last one counts (as in git), never an internal error', async () => {
    const dir = tempDir('hs-twice-');
    writeFileSync(path.join(dir, 'a.env'), `HUBSPOT_TOKEN=${t.pat}\n`);
    const sarif = await runMain(['scan', '.', '-f', 'json', '-f', 'sarif'], { cwd: dir });
    expect(sarif.code).toBe(1);
    expect(JSON.parse(sarif.stdout)).toHaveProperty('runs');
    const json = await runMain(['scan', '.', '-f', 'json', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toHaveProperty('findings');
    const out = await runMain(['scan', '.', '-q', '-o', path.join(dir, 'one.txt'), '-o', path.join(dir, 'two.txt')], { cwd: dir });
    expect(out.code).toBe(1);
    expect(readFileSync(path.join(dir, 'two.txt'), 'utf8')).toContain('a.env');
    const failOn = await runMain(['scan', '.', '-q', '--fail-on', 'none', '--fail-on', 'any'], { cwd: dir });
    expect(failOn.code).toBe(1);
    // The last baseline or config named is the one read (here: missing, so exit 2 naming it).
    for (const [flag, other] of [['--baseline', '--no-baseline'], ['--config', '--no-config']] as const) {
      for (const args of [[flag, 'first.json', flag, 'last.json'], [other, flag, 'last.json']]) {
        const r = await runMain(['scan', '.', ...args], { cwd: dir });
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr, args.join(' ')).toMatch(/^hubspot-secrets: last\.json: cannot read/);
        expect(r.stderr).not.toMatch(/internal error/);
      }
    }
    const max = await runMain(['scan', '.', '-q', '--max-file-size', '1', '--max-file-size', '1MB'], { cwd: dir });
    expect(max.code).toBe(1);
    // Lists stay lists: every path named, and what follows `--`.
    writeFileSync(path.join(dir, '-b.env'), `HUBSPOT_TOKEN=${t.pat}\n`);
    const paths = await runMain(['scan', '-f', 'sarif', 'a.env', '-f', 'json', '--', '-b.env'], { cwd: dir });
    expect((JSON.parse(paths.stdout) as { findings: { path: string }[] }).findings.map((f) => f.path).sort()).toEqual(['-b.env', 'a.env']);
  });

  it('an earlier value of an option given twice is checked too, naming it; so is a bad --verify-* number without --verify', async () => {
    const dir = tempDir('hs-twice-bad-');
    writeFileSync(path.join(dir, 'a.txt'), 'clean\n');
    for (const [argv, said] of [
      [['--fail-on', 'bogus', '--fail-on', 'any'], /Argument: fail-on, Given: "bogus"/],
      [['-f', 'xml', '--format', 'json'], /Argument: format, Given: "xml"/],
      [['--verify-timeout', 'soon'], /--verify-timeout: expected whole milliseconds from 1 to 600000, got "soon"/],
      [['--verify-concurrency', '4x'], /--verify-concurrency: expected a whole number from 1 to 32, got "4x"/],
      [['--api-base-url', 'http://10.1.1.1'], /--api-base-url: plain http is only allowed for loopback/],
      [['--verify-concurrency', '0'], /--verify-concurrency: expected a whole number/],
      [['--verify-timeout', '0', '--verify-timeout', '5000'], /--verify-timeout: expected whole milliseconds/],
      [['--max-file-size', '1x', '--max-file-size', '1k'], /--max-file-size: expected a positive size .* got "1x"/],
      [['--threads', 'abc', '--threads', '1'], /--threads must be a whole number .* not "abc"/],
    ] as const) {
      const r = await runMain(['scan', '.', ...argv], { cwd: dir });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(said);
      expect(r.stdout, argv.join(' ')).toBe('');
    }
    // Valid values given twice: the last one counts (`never` is `none`).
    const ok = await runMain(['scan', '.', '--fail-on', 'any', '--fail-on', 'never', '-f', 'sarif', '-f', 'json', '--threads', '1', '--threads', '0', '--max-file-size', '1k', '--max-file-size', '2k'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toHaveProperty('findings');
  });
});
describe('standard output that cannot be written', () => {
  it('a full disk (/dev/full): exit 2 with one line, never a stack trace or the findings code', async () => {
    const dir = tempDir('hs-devfull-');
    writeFileSync(path.join(dir, 'a.txt'), 'clean\n');
    for (const argv of [['scan', '.'], ['rules']]) {
      const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" ${argv.join(' ')} > /dev/full`], { cwd: dir, encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe('hubspot-secrets: cannot write to standard output: ENOSPC; nothing may be concluded from this run.\n');
    }
  });
});

describe('--threads', () => {
  it('takes a plain whole number 0–64 only: hex, exponents, an empty or missing value are usage errors', async () => {
    const dir = tempDir('hs-threads-');
    writeFileSync(path.join(dir, 'a.txt'), 'clean\n');
    for (const [argv, why] of [
      [['--threads', '0x10'], 'not "0x10"'],
      [['--threads', '1e1'], 'not "1e1"'],
      [['--threads='], 'not ""'],
      [['--threads', 'x'], 'not "x"'],
      [['--threads', '65'], 'not "65"'],
      [['--threads'], 'Not enough arguments following: threads'],
    ] as const) {
      const r = await runMain(['scan', '.', ...argv], { cwd: dir });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain(why);
    }
    expect((await runMain(['scan', '.', '--threads', '2', '--threads', '0'], { cwd: dir })).code).toBe(0);
  });

  it('many workers: no warning about listeners (each worker pipes its output here)', async () => {
    const dir = tempDir('hs-threads-many-');
    for (let i = 0; i < 200; i++) writeFileSync(path.join(dir, `f${i}.txt`), `line ${i}\n`);
    const r = runBin(['scan', '.', '--threads', '12'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('options that take a value from a list', () => {
  it('--format, -f and --fail-on without a value are usage errors, not their default (a trial got a text report)', async () => {
    const dir = tempDir('hs-choices-');
    writeFileSync(path.join(dir, 'a.txt'), 'clean\n');
    for (const [argv, why] of [
      [['scan', '.', '--format'], 'Not enough arguments following: format'],
      [['scan', '.', '-f'], 'Not enough arguments following: f'],
      [['scan', '.', '--fail-on'], 'Not enough arguments following: fail-on'],
      [['verify', '-', '--format'], 'Not enough arguments following: format'],
    ] as const) {
      const r = await runMain([...argv], { cwd: dir });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain(why);
    }
    expect((await runMain(['scan', '.', '-f', 'json', '--fail-on', 'any'], { cwd: dir })).code).toBe(0);
  });
});

describe('--output that cannot be written', () => {
  it('names the file and why, exit 2, no usage hint', async () => {
    const dir = tempDir('hs-output-');
    writeFileSync(path.join(dir, 'a.txt'), 'clean\n');
    writeFileSync(path.join(dir, 'file'), 'x');
    const r = await runMain(['scan', '.', '-o', 'file/report.json', '-f', 'json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('hubspot-secrets: --output file/report.json: cannot write the report: a part of its folder path is a file, not a folder\n');
  });

  it('a FIFO: as --config or --baseline it is refused, as --output one that no process reads is (each waited for ever, past Ctrl-C and SIGTERM: found by a trial); one that is read takes the report', async () => {
    const dir = tempDir('hs-fifo-');
    writeFileSync(path.join(dir, 'a.txt'), 'clean\n');
    execFileSync('mkfifo', [path.join(dir, 'ff')]);
    for (const [flag, why] of [
      ['--config', 'ff: cannot read config: not a regular file (a FIFO, socket or device)'],
      ['--baseline', 'ff: cannot read baseline: not a regular file (a FIFO, socket or device)'],
      ['-o', '--output ff: cannot write the report: a FIFO that no process reads'],
    ] as const) {
      const r = await runBinAsync(['scan', 'a.txt', flag, 'ff'], { cwd: dir });
      expect(r.code, flag).toBe(2);
      expect(r.stderr, flag).toContain(why);
    }
    // Read by another process: the whole report reaches it.
    const reader = spawn('cat', [path.join(dir, 'ff')], { stdio: ['ignore', 'pipe', 'ignore'] });
    let got = '';
    reader.stdout.on('data', (b: Buffer) => (got += b.toString('utf8')));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const r = await runBinAsync(['scan', 'a.txt', '-o', 'ff', '-f', 'json', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    await closed;
    expect(JSON.parse(got)).toHaveProperty('findings', []);
  });
});
