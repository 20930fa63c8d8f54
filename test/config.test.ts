/**
 * .hubspot-secrets.json: where it is found, what each key does, and every way it can be invalid
 * (exit 2, every problem listed with its JSON path and the file name).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../src/config/parse.js';
import { runMain } from './helpers/cli.js';
import { fakeAll, fakePrivateAppToken, Rng } from './helpers/fake-tokens.js';
import { tempDir } from './helpers/tmp.js';

const t = fakeAll('config');
const base = tempDir('hs-config-');
let n = 0;

/** A fresh folder with files and (optionally) a config. */
function project(files: Record<string, string>, config?: unknown): string {
  const dir = path.join(base, `p${n++}`);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  mkdirSync(dir, { recursive: true });
  if (config !== undefined) {
    writeFileSync(path.join(dir, '.hubspot-secrets.json'), typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  }
  return dir;
}

interface Doc {
  findings: { ruleId: string; path: string; line: number; severity: string; secret: string }[];
  suppressed?: { ruleId: string; path: string; suppressedBy: string }[];
  stats: { skipped: number; skippedBy: Record<string, number>; suppressed: Record<string, number>; files: number };
}

async function scanJson(cwd: string, ...extra: string[]): Promise<{ code: number; doc: Doc; stderr: string }> {
  const r = await runMain(['scan', '-f', 'json', '--show-suppressed', ...extra], { cwd });
  expect(r.stderr).toBe('');
  return { code: r.code, doc: JSON.parse(r.stdout) as Doc, stderr: r.stderr };
}

const tokenFile = (tok = t.pat): string => `HUBSPOT_ACCESS_TOKEN=${tok}\n`;

describe('config: ignore', () => {
  it('skips ignored files and folders (counted as skipped, not scanned)', async () => {
    const dir = project(
      { 'a.env': tokenFile(), 'vendor/lib/x.env': tokenFile(), 'build/out.env': tokenFile(), 'logs/app.log': tokenFile() },
      { ignore: ['vendor', 'build/**', '**/*.log'] },
    );
    const { code, doc } = await scanJson(dir);
    expect(code).toBe(1);
    expect(doc.findings.map((f) => f.path)).toEqual(['a.env']);
    expect(doc.stats.skippedBy.ignored).toBe(3);
  });

  it('reads Windows-style separators in globs as /', async () => {
    const dir = project(
      { 'a.env': tokenFile(), 'vendor/lib/x.env': tokenFile(), 'build/out/y.env': tokenFile(), 'docs/examples/z.md': tokenFile() },
      { ignore: ['vendor\\**', '.\\build\\out\\'], allow: [{ path: 'docs\\examples\\*.md' }] },
    );
    const { code, doc } = await scanJson(dir);
    expect(code).toBe(1);
    expect(doc.findings.map((f) => f.path)).toEqual(['a.env']);
    expect(doc.stats.skippedBy.ignored).toBe(2);
    expect(doc.suppressed?.map((f) => [f.path, f.suppressedBy])).toEqual([['docs/examples/z.md', 'config']]);
  });

  it('globs stay relative to the config folder when scanning a subfolder or from one', async () => {
    const dir = project({ 'src/a.env': tokenFile(), 'src/gen/b.env': tokenFile() }, { ignore: ['src/gen/**'] });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    // From a subfolder of the repository: the config at the repository root applies.
    const sub = await scanJson(path.join(dir, 'src'));
    expect(sub.doc.findings.map((f) => f.path)).toEqual(['a.env']);
    // Scanning the folder from elsewhere: its config applies, paths stay relative to the cwd.
    const outside = await scanJson(base, path.relative(base, dir));
    expect(outside.doc.findings.map((f) => f.path)).toEqual([`${path.relative(base, dir)}/src/a.env`]);
  });

  it('outside a repository, a config in a parent folder is not used', async () => {
    const dir = project({ 'inner/a.env': tokenFile() }, { ignore: ['**'] });
    const { code, doc } = await scanJson(path.join(dir, 'inner'));
    expect(code).toBe(1);
    expect(doc.findings).toHaveLength(1);
  });
});

describe('config: allow', () => {
  const rng = new Rng('allow');
  const known = fakePrivateAppToken(rng);
  const documented = fakePrivateAppToken(rng);
  const other = fakePrivateAppToken(rng);

  it('exact values, regexes, paths and rule scopes suppress by config, counted and listed', async () => {
    const dir = project(
      {
        'a.env': tokenFile(known),
        'b.env': tokenFile(documented),
        'c.env': tokenFile(other),
        'test/d.env': tokenFile(other),
        'e.env': `HUBSPOT_REFRESH_TOKEN=${t.refresh}\n`,
      },
      {
        $schema: './node_modules/hubspot-secrets/schema/config.schema.json',
        allow: [
          known,
          { regex: `^${documented.slice(0, 20)}`, reason: 'the token in our docs' },
          { path: 'test/**', rule: 'hubspot-private-app-token' },
          { path: 'e.env', rule: ['hubspot-private-app-token'] },
        ],
      },
    );
    const { code, doc } = await scanJson(dir);
    expect(code).toBe(1);
    expect(doc.findings.map((f) => `${f.path} ${f.ruleId}`).sort()).toEqual(['c.env hubspot-private-app-token', 'e.env hubspot-oauth-refresh-token']);
    // The exact value written in the config is itself found there, and allowed like anywhere else.
    expect(doc.stats.suppressed).toEqual({ config: 4 });
    expect(doc.suppressed?.map((f) => f.path).sort()).toEqual(['.hubspot-secrets.json', 'a.env', 'b.env', 'test/d.env']);
    // The text report says what was suppressed, and by what.
    const text = await runMain(['scan'], { cwd: dir });
    expect(text.stdout).toContain('Suppressed: 4 by config (--show-suppressed lists them).');
    expect(text.stdout).not.toContain(known);
  });
});

describe('config: rules', () => {
  it('"off" disables a built-in rule; the others still run', async () => {
    const dir = project({ 'a.env': tokenFile(), 'b.env': `HUBSPOT_REFRESH_TOKEN=${t.refresh}\n` }, { rules: { 'hubspot-private-app-token': 'off' } });
    const { doc } = await scanJson(dir);
    expect(doc.findings.map((f) => f.ruleId)).toEqual(['hubspot-oauth-refresh-token']);
  });

  it('a severity override shows in the JSON report, in SARIF (the rule\'s level and security-severity too) and in `rules`', async () => {
    const dir = project({ 'a.env': tokenFile() }, { rules: { 'hubspot-private-app-token': 'low' } });
    const { doc } = await scanJson(dir);
    expect(doc.findings.map((f) => [f.ruleId, f.severity])).toEqual([['hubspot-private-app-token', 'low']]);
    const without = await scanJson(project({ 'a.env': tokenFile() }));
    expect(without.doc.findings[0]?.severity).toBe('critical');
    const sarif = JSON.parse((await runMain(['scan', '-f', 'sarif'], { cwd: dir })).stdout) as {
      runs: { tool: { driver: { rules: { id: string; defaultConfiguration: { level: string }; properties: Record<string, unknown> }[] } }; results: { level: string }[] }[];
    };
    const rule = sarif.runs[0]!.tool.driver.rules.find((r) => r.id === 'hubspot-private-app-token')!;
    expect([rule.defaultConfiguration.level, rule.properties['security-severity'], sarif.runs[0]!.results[0]!.level]).toEqual(['note', '3.0', 'note']);
    const { rules } = JSON.parse((await runMain(['rules', '--json'], { cwd: dir })).stdout) as { rules: { id: string; severity: string }[] };
    expect(rules.find((r) => r.id === 'hubspot-private-app-token')?.severity).toBe('low');
  });

  it('detects with a custom rule from the config', async () => {
    const acme = `acme_${'0123456789abcdef'.split('').reverse().join('')}${'a1b2c3d4e5f60718'}`;
    const dir = project(
      { 'int.py': `ACME_KEY = "${acme}"\n` },
      {
        customRules: [
          {
            id: 'acme-internal-key',
            title: 'ACME key for the HubSpot sync',
            description: 'Our own integration key.',
            severity: 'high',
            keywords: ['acme_'],
            patterns: ['(?<secret>acme_[0-9a-f]{32})'],
            previewPrefix: 'acme_',
            priority: 10,
            verifier: null,
            remediation: { summary: 'Rotate it in the ACME console.', steps: ['Rotate the key in the ACME console.'] },
            docs: 'https://example.com/acme',
          },
        ],
        rules: { 'acme-internal-key': 'medium' },
      },
    );
    const { code, doc } = await scanJson(dir);
    expect(code).toBe(1);
    expect(doc.findings.map((f) => [f.ruleId, f.path, f.line, f.severity])).toEqual([['acme-internal-key', 'int.py', 1, 'medium']]);
    expect(doc.findings[0]!.secret).not.toContain(acme);
  });
});

describe('config: --config FILE', () => {
  it('uses the named file instead of the one found; globs are relative to the scan root', async () => {
    const dir = project({ 'a.env': tokenFile(), 'gen/b.env': tokenFile() }, { ignore: ['a.env'] });
    writeFileSync(path.join(base, 'shared-config.json'), JSON.stringify({ ignore: ['gen'] }));
    const { doc } = await scanJson(dir, '--config', path.join(base, 'shared-config.json'));
    expect(doc.findings.map((f) => f.path)).toEqual(['a.env']);
  });

  it('--no-config uses no config file at all (it was an internal error; found by a review)', async () => {
    const dir = project({ 'a.env': tokenFile(), 'gen/b.env': tokenFile() }, { ignore: ['a.env', 'gen'] });
    expect((await scanJson(dir)).doc.findings).toEqual([]);
    const { doc } = await scanJson(dir, '--no-config');
    expect(doc.findings.map((f) => f.path).sort()).toEqual(['a.env', 'gen/b.env']);
  });

  it('a missing --config file is exit 2 naming it', async () => {
    const dir = project({ 'a.env': 'x\n' });
    const r = await runMain(['scan', '--config', 'nope.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('hubspot-secrets: nope.json: cannot read config: no such file\n');
    // A folder given as the config says so (it said a bare EISDIR; found by a new-user trial).
    const folder = await runMain(['scan', '--config', '.'], { cwd: dir });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toBe(`hubspot-secrets: ${dir}: cannot read config: it is a folder, not a file\n`);
  });
});

describe('config: invalid', () => {
  const cases: [string, unknown, string[]][] = [
    ['unknown top-level key', { ignores: ['x'] }, ['/: unknown key "ignores"']],
    ['not an object', ['x'], ['/: must be an object']],
    ['ignore of the wrong type', { ignore: 'dist/**' }, ['/ignore: must be an array']],
    ['empty glob', { ignore: [''] }, ['/ignore/0: must NOT have fewer than 1 characters']],
    ['allow item of the wrong type', { allow: [42] }, ['/allow/0: must be a string or an object']],
    ['allow entry with an unknown key', { allow: [{ regex: 'x', because: 'y' }] }, ['/allow/0: unknown key "because"']],
    ['allow entry without a condition', { allow: [{ reason: 'why' }] }, ['/allow/0: needs one of the keys "regex", "path", "value"']],
    ['invalid regex', { allow: [{ regex: '(unclosed' }] }, ['/allow/0/regex: invalid regular expression: Unterminated group']],
    ['invalid regex flags', { allow: [{ regex: 'x', flags: 'gx' }] }, ['/allow/0/flags: must match pattern "^[imsu]*$"']],
    ['allow path of the wrong type', { allow: [{ path: 3 }] }, ['/allow/0/path: must be a string or an array']],
    ['unknown rule id', { rules: { 'hubspot-nope': 'off' } }, ['/rules/hubspot-nope: unknown rule "hubspot-nope" (see \'hubspot-secrets rules\')']],
    [
      'unknown rule id in an allow entry (it would never match)',
      { allow: [{ rule: 'hubspot-private-app-tokn', path: '**' }, { rule: ['hubspot-private-app-token', 'nope'], value: 'x' }] },
      ['/allow/0/rule: unknown rule "hubspot-private-app-tokn" (see \'hubspot-secrets rules\')', '/allow/1/rule/1: unknown rule "nope" (see \'hubspot-secrets rules\')'],
    ],
    [
      'globs that name no path: slashes alone (were an internal error), `.`',
      { ignore: ['dist/**', '/', '.', './'], allow: [{ path: '//' }, { path: ['a', '\\', './/'] }] },
      [
        '/allow/0/path: "//" names no path (for every path: "**")',
        '/allow/1/path/1: "\\\\" names no path (for every path: "**")',
        '/allow/1/path/2: ".//" names no path (for every path: "**")',
        '/ignore/1: "/" names no path (for every path: "**")',
        '/ignore/2: "." names no path (for every path: "**")',
        '/ignore/3: "./" names no path (for every path: "**")',
      ],
    ],
    [
      'globs led by "!": picomatch would take them for "every other path" (ignore ["!config/prod.env"] ignored the whole tree: found by a trial)',
      { ignore: ['*.env', '!config/prod.env', '!prod.env', '/!x'], allow: [{ path: '!fixtures/**' }] },
      [
        '/allow/0/path: "!fixtures/**": a leading "!" (negation) is not supported; list only what the entry covers',
        '/ignore/1: "!config/prod.env": a leading "!" (negation) is not supported; list only what the entry covers',
        '/ignore/2: "!prod.env": a leading "!" (negation) is not supported; list only what the entry covers',
        '/ignore/3: "/!x": a leading "!" (negation) is not supported; list only what the entry covers',
      ],
    ],
    [
      'bad severity',
      { rules: { 'hubspot-private-app-token': 'urgent' } },
      ['/rules/hubspot-private-app-token: must be one of "off", "critical", "high", "medium", "low"'],
    ],
    ['rules of the wrong type', { rules: ['hubspot-private-app-token'] }, ['/rules: must be an object']],
    ['customRules of the wrong type', { customRules: {} }, ['/customRules: must be an array']],
    [
      'custom rule missing keys, with an unknown one',
      { customRules: [{ id: 'x-key', title: 'X key', description: 'An X key.', severity: 'high', keywords: ['x_'], patterns: ['(?<secret>x_\\d+)'], priority: 1, verifier: null, docs: 'https://x.example', extra: 1 }] },
      ["/customRules/0: must have required property 'remediation'", '/customRules/0: unknown key "extra"'],
    ],
    [
      'custom rule whose pattern has no secret group',
      { customRules: [customRule('x-key', ['x_\\d+'])] },
      ['/customRules/0: rule x-key: patterns[0] has no named group (?<secret>…)'],
    ],
    [
      'custom rule with problems in several patterns and in its schema: all listed at once',
      { customRules: [{ ...customRule('x-key', ['x_\\d+', '(?<secret>(a+)+b)', '(?<secret>x_\\d{8})', '(?<secret>x_[']), title: 'X' }] },
      [
        '/customRules/0: rule x-key: patterns[0] has no named group (?<secret>…)',
        '/customRules/0: rule x-key: patterns[3] is not a valid regular expression: Unterminated character class',
        '/customRules/0/patterns/1: may backtrack catastrophically: a repetition inside a repetition (a+) in (a+)+; write it so each character can be matched one way only (e.g. [ab]+ rather than (?:a|b)+)',
        '/customRules/0/title: must NOT have fewer than 3 characters',
      ],
    ],
    [
      'custom rule missing a key (a problem at its root) and with a pattern problem: both listed',
      { customRules: [(({ docs: _docs, ...rest }) => rest)(customRule('x-key', ['x_\\d+']))] },
      ["/customRules/0: must have required property 'docs'", '/customRules/0: rule x-key: patterns[0] has no named group (?<secret>…)'],
    ],
    [
      'custom rule with an invalid regex',
      { customRules: [customRule('x-key', ['(?<secret>x_['])] },
      ['/customRules/0: rule x-key: patterns[0] is not a valid regular expression: Unterminated character class'],
    ],
    [
      "an allow regex that is not valid: the error does not quote it (it is often the secret it accepts, and errors are printed: found by a trial)",
      { allow: [{ regex: `^${t.pat}(`, reason: 'revoked' }] },
      ['/allow/0/regex: invalid regular expression: Unterminated group'],
    ],
    [
      "custom rule text with control characters, or a docs link a Markdown table would end early (a pull request's config: a title's newline printed a workflow command, found by a trial)",
      { customRules: [{ ...customRule('x-key', ['(?<secret>x_\\d+)']), title: 'X key\n::add-mask::x', remediation: { summary: 'Rotate \u001b[8mit', steps: ['Rotate it now.'] }, docs: 'https://x.example/a) |' }] },
      [
        '/customRules/0/docs: must be an https:// link without spaces, brackets, `<`, `>`, `|`, backticks or control characters (it is printed in reports and the job summary)',
        '/customRules/0/remediation/summary: must be one line of text, without control characters (it is printed in reports)',
        '/customRules/0/title: must be one line of text, without control characters (it is printed in reports)',
      ],
    ],
    [
      'custom rule whose pattern can backtrack without end (a pull request could stall CI with it)',
      { customRules: [customRule('x-key', ['(?<secret>(?:a|aa)+b)'])] },
      [
        '/customRules/0/patterns/0: may backtrack catastrophically: an alternation inside a repetition ((?:a|aa)) in (?:a|aa)+; write it so each character can be matched one way only (e.g. [ab]+ rather than (?:a|b)+)',
      ],
    ],
    [
      'custom rule whose context gate can backtrack without end (it runs at every candidate)',
      { customRules: [{ ...customRule('x-key', ['(?<secret>x_\\d+)']), context: { forbid: [{ pattern: 'stripe', gate: '(\\w+)+!' }] } }] },
      [
        '/customRules/0/context/forbid/0/gate: may backtrack catastrophically: a repetition inside a repetition (\\w+) in (\\w+)+; write it so each character can be matched one way only (e.g. [ab]+ rather than (?:a|b)+)',
      ],
    ],
    [
      'custom rule whose context gate is not a regular expression',
      { customRules: [{ ...customRule('x-key', ['(?<secret>x_\\d+)']), context: { require: [{ pattern: 'x', gate: '(' }] } }] },
      ['/customRules/0: rule x-key: context gate is not a valid regular expression: Unterminated group'],
    ],
    [
      'allow regex that can backtrack without end (it runs on every secret found: a pull request could stall CI with it)',
      { allow: [{ regex: '^([\\w-]+)+!' }] },
      [
        '/allow/0/regex: may backtrack catastrophically: a repetition inside a repetition ([\\w-]+) in ([\\w-]+)+; write it so each character can be matched one way only (e.g. [ab]+ rather than (?:a|b)+)',
      ],
    ],
    [
      'custom rule reusing a built-in id',
      { customRules: [customRule('hubspot-private-app-token', ['(?<secret>x_\\d+)'])] },
      ['/customRules/0/id: "hubspot-private-app-token" is a built-in rule; choose another id (turn the built-in off with rules."hubspot-private-app-token": "off")'],
    ],
    [
      'two custom rules with one id',
      { customRules: [customRule('x-key', ['(?<secret>x_\\d+)']), customRule('x-key', ['(?<secret>y_\\d+)'])] },
      ['/customRules/1/id: "x-key" is used by an earlier custom rule'],
    ],
  ];

  it.each(cases)('%s', (_name, doc, messages) => {
    const problems = checkConfig(doc).map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual(messages);
  });

  it('lists every problem at once, with the file name, and exits 2', async () => {
    const dir = project(
      { 'a.env': tokenFile() },
      { ignores: [], ignore: 'x', allow: [{ regex: '[' }], rules: { nope: 'off', 'hubspot-private-app-token': 'loud' } },
    );
    const r = await runMain(['scan'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        'hubspot-secrets: .hubspot-secrets.json: invalid config (5 problems):',
        '  /: unknown key "ignores"',
        '  /allow/0/regex: invalid regular expression: Unterminated character class',
        '  /ignore: must be an array',
        '  /rules/hubspot-private-app-token: must be one of "off", "critical", "high", "medium", "low"',
        '  /rules/nope: unknown rule "nope" (see \'hubspot-secrets rules\')',
        '',
      ].join('\n'),
    );
  });

  it('JSON that does not parse is exit 2 naming the file, and the line and column of the fault', async () => {
    const dir = project({ 'a.env': 'x\n' }, '{\n  "ignore": [\n    "a"\n    "b"\n  ]\n}\n');
    const r = await runMain(['scan'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("hubspot-secrets: .hubspot-secrets.json: not valid JSON: Expected ',' or ']' after array element in JSON at line 4, column 5 (position 28)\n");
    // An unexpected token (a trailing comma: V8 in Node 20 gives the text around it, no position)
    // and a cut-off file say where too (found by a new-user trial).
    const { jsonReason } = await import('../src/config/json.js');
    const reason = (text: string): string => {
      try {
        JSON.parse(text);
      } catch (err) {
        return jsonReason(err, text);
      }
      return '';
    };
    expect(reason('{\n  "allow": [\n    "x",\n  ]\n}\n')).toMatch(/^Unexpected token '?\]'?,? .*at line 4, column 3 \(position 26\)$/);
    const long = `{\n  "ignore": [\n${'    "docs/**",\n'.repeat(20)}  ],\n}\n`;
    expect(reason(long)).toMatch(new RegExp(`at line 23, column 3 \\(position ${long.indexOf('  ],') + 2}\\)$`));
    expect(reason('{"ignore": ')).toMatch(/at line 1, column 12 \(position 11\)$/);
    // A piece the text holds twice gives no position rather than a wrong one (found by a review).
    expect(reason('{"n": "1234567890,]1234567890", "l": [1234567890,]1234567890, "z": 1}')).toMatch(/^Unexpected token '?\]'?,?$/);
    const atEnd = '{"n": "1234567890,]1234567890", "l": [1234567890,]}';
    expect(reason(atEnd)).toMatch(new RegExp(`\\(position ${atEnd.lastIndexOf(']')}\\)$`));
  });

  it('the piece of text V8 quotes in a JSON error is never echoed (it may be part of a secret), whatever its shape', async () => {
    const { jsonReason } = await import('../src/config/json.js');
    const t = fakeAll('json-echo');
    for (const text of [`{\n  "k": [\n    "${t.pat}",\n  }\n}\n`, `{ "k": [ }`, `${t.pat}`, `{"${t.pat}": 1 x}`]) {
      let reason = '';
      try {
        JSON.parse(text);
      } catch (err) {
        reason = jsonReason(err, text);
      }
      expect(reason).not.toBe('');
      expect(reason).not.toContain('pat-');
      expect(reason).not.toContain('"');
    }
  });

  it('a token-bearing file passed as --config or --baseline is named, its text never echoed', async () => {
    const t = fakeAll('echo');
    const dir = project({ 'prod.env': `${t.pat}\n` });
    for (const flag of ['--config', '--baseline']) {
      const r = await runMain(['scan', flag, 'prod.env'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('prod.env');
      expect(r.stderr).not.toContain(t.pat.slice(0, 10));
    }
  });

  it('a config that turns every rule off is an error, not a silent pass', async () => {
    const rules = Object.fromEntries(
      JSON.parse((await runMain(['rules', '--json'], { cwd: base })).stdout).rules.map((r: { id: string }) => [r.id, 'off']),
    );
    const dir = project({ 'a.env': tokenFile() }, { rules });
    const r = await runMain(['scan'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('every rule is turned off');
  });
});

describe('config: the rules command', () => {
  it('lists the rules in force: custom ones, severity overrides, and the ones turned off', async () => {
    const dir = project({}, { rules: { 'hubspot-legacy-api-key': 'off', 'hubspot-smtp-credential': 'low' }, customRules: [customRule('x-key', ['(?<secret>x_\\d{8})'])] });
    const text = (await runMain(['rules'], { cwd: dir })).stdout;
    expect(text).toMatch(/^x-key +high +A custom key \(not verifiable, custom\)$/m);
    expect(text).toMatch(/^hubspot-smtp-credential +low /m);
    expect(text).toMatch(/^hubspot-legacy-api-key +off +\(turned off in /m);
    const doc = JSON.parse((await runMain(['rules', '--json'], { cwd: dir })).stdout);
    expect(doc.off).toEqual(['hubspot-legacy-api-key']);
    expect(doc.rules.map((r: { id: string }) => r.id)).toContain('x-key');
    expect(doc.rules.map((r: { id: string }) => r.id)).not.toContain('hubspot-legacy-api-key');
  });
});

describe('config: the project’s own', () => {
  it('the README’s complete example is a valid config', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration, inline allow and baselines'));
    const example = /A complete example:\n\n```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const doc = JSON.parse(example!);
    expect(Object.keys(doc).sort()).toEqual(['$schema', 'allow', 'customRules', 'ignore', 'rules']);
    expect(checkConfig(doc)).toEqual([]);
  });

  it('validates against the shipped schema and allow-lists fixtures/', () => {
    const root = path.resolve(import.meta.dirname, '..');
    const doc = JSON.parse(readFileSync(path.join(root, '.hubspot-secrets.json'), 'utf8'));
    expect(checkConfig(doc)).toEqual([]);
    expect(doc.$schema).toBe('./schema/config.schema.json');
    expect(doc.allow).toContainEqual(expect.objectContaining({ path: 'fixtures/**' }));
  });
});

function customRule(id: string, patterns: string[]): Record<string, unknown> {
  return {
    id,
    title: 'A custom key',
    description: 'Custom.',
    severity: 'high',
    keywords: ['x_'],
    patterns,
    priority: 1,
    verifier: null,
    remediation: { summary: 'Rotate it.', steps: ['Rotate it now.'] },
    docs: 'https://x.example',
  };
}

describe('ignore globs read as in .gitignore', () => {
  it('a glob without a slash matches at any depth, a leading slash anchors it', async () => {
    const { globMatcher } = await import('../src/config/globs.js');
    const m = globMatcher(['node_modules', '/*.env', 'src/gen', 'vendor\\**']);
    expect(m('node_modules/x.js')).toBe(true);
    expect(m('packages/a/node_modules/y.js')).toBe(true);
    expect(m('a.env')).toBe(true);
    expect(m('conf/a.env')).toBe(false);
    expect(m('src/gen/x.ts')).toBe(true);
    expect(m('lib/src/gen/x.ts')).toBe(false);
    expect(m('vendor/sdk/a.js')).toBe(true);
  });
});
