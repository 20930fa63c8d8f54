/** Static facts about regexes, read from regexpp's syntax tree: what prefilter windows and chunk overlaps rely on. */
import { describe, expect, it } from 'vitest';
import { backtrackRisk, impliesKeyword, leadingLiterals, maxLengthBefore, regexReach } from '../src/core/regex-shape.js';
import { expandMacros, namePart } from '../src/core/rules.js';
import { loadFixtures } from './helpers/fixtures.js';
import { builtinRuleSet } from '../src/rules/index.js';

describe('regexReach: the longest match a pattern can make', () => {
  it.each([
    ['abc', '', 3, 0],
    ['a{2,5}', '', 5, 0],
    ['a|bcd', '', 3, 0],
    ['(?:ab){3}', '', 6, 0],
    ['(?<name>x)(?=yy)', '', 1, 2],
    ['(?<![a-z])x', '', 1, 1],
    ['[a-z]{3}', '', 3, 0],
    ['[a-z]{3}', 'u', 6, 0], // under u a class may match a surrogate pair
    ['\\bx\\d?$', '', 2, 0],
    ['a{,3}', '', 5, 0], // not a quantifier: the literal `{,3}`
    ['x(?=a(?<=bc))', '', 1, 2],
  ])('%s /%s → %d (lookaround %d)', (src, flags, match, look) => {
    expect(regexReach(src, flags)).toEqual({ match, look });
  });

  it.each(['a*', 'a+', 'x{2,}', '(a)\\1', '(?<n>a)\\k<n>'])('%s is unbounded', (src) => {
    expect(regexReach(src).match).toBe(Infinity);
  });

  it('is finite for every built-in pattern', () => {
    for (const r of builtinRuleSet().rules) for (const re of r.patterns) expect(regexReach(re.source, re.flags).match, r.id).toBeLessThan(1000);
  });
});

describe('maxLengthBefore: how much a match can hold before a point in the pattern', () => {
  it.each([
    ['ab(?<s>cd)', 5, 2],
    ['ab(?<s>cd)', 7, 2],
    ['ab(?<s>cd)', 8, 3],
    ['x{2,4}(?<s>y)', 6, 4],
    ['(?:a|bcd)(?:ef(?<s>g))', 14, 5],
    ['(?:ab(?<s>c))+', 10, Infinity],
  ])('%s before offset %d → %d', (src, offset, want) => {
    expect(maxLengthBefore(src, offset)).toBe(want);
  });

  it('bounds what precedes the secret of every keyword-led built-in pattern', () => {
    const src = expandMacros('hapikey{{assign}}(?<secret>{{uuid}})');
    const before = maxLengthBefore(src, src.indexOf('(?<secret>'), 'i');
    expect(before).toBeGreaterThan('hapikey='.length);
    expect(before).toBeLessThan(300);
  });
});

describe('impliesKeyword', () => {
  it.each([
    ['hapikey=(?<s>x)', ['hapikey'], true],
    ['(?:hapikey|hubspot_key)=x', ['hapikey', 'hubspot'], true],
    ['(?:hapikey|api_key)=x', ['hapikey'], false],
    ['(?:hapikey)?=x', ['hapikey'], false],
    // A positive lookaround's text is in the text, beside the match: what the keyword check asks.
    ['(?=hapikey)x', ['hapikey'], true],
    ['(?<=tokensapi(?:\\(\\))?\\.)create\\(', ['tokensapi'], true],
    ['(?<=(?:omniauth|provider) :)hubspot', ['omniauth', 'provider'], true],
    ['(?<=(?:omniauth|x) :)hubspot', ['omniauth'], false],
    ['(?!hapikey)x', ['hapikey'], false],
    ['(?<!hapikey)x', ['hapikey'], false],
    ['pat-\\d', ['pat-'], true],
    ['PAT-\\d', ['pat-'], true],
    ['(?:abc)+', ['abc'], true],
    ['x', [], true],
  ] as const)('%s with %j → %s', (src, kws, want) => {
    expect(impliesKeyword(src, kws)).toBe(want);
  });
});

describe('leadingLiterals: what every match starts with', () => {
  it('reads literals, small classes and all-literal groups after leading lookarounds', () => {
    expect(leadingLiterals('(?<![a-z])(?<secret>pat-[a-z]{2})', 'i')).toEqual(['pat-']);
    expect(leadingLiterals('(?<![a-z])(?<secret>Ci[RV][a-z]{60})', 'i')).toEqual(['cir', 'civ']);
    expect(leadingLiterals('(?:webhook|signing)secret', 'i')).toEqual(['webhooksecret', 'signingsecret']);
    expect(leadingLiterals('(?:pass(?:word)?|pwd)x', 'i')).toEqual(['passx', 'passwordx', 'pwdx']);
    expect(leadingLiterals('smtps?://', 'i')).toEqual(['smtp://', 'smtps://']);
    expect(leadingLiterals('ab{3}c', '')).toEqual(['abbbc']);
  });

  it('goes on past an optional small piece, with and without it', () => {
    expect(leadingLiterals('api[_.-]?key', 'i')).toEqual(['apikey', 'api_key', 'api.key', 'api-key']);
    expect(leadingLiterals('(?:app|signing)[_-]?secret', 'i')).toEqual(['appsecret', 'app_secret', 'app-secret', 'signingsecret', 'signing_secret', 'signing-secret']);
    expect(leadingLiterals('a?bc', '')).toEqual(['bc', 'abc']);
    // Too many combinations (over 32): the literals so far.
    const many = leadingLiterals('a[_.-]?b[_.-]?c[_.-]?d', '');
    expect(many).toHaveLength(16);
    expect(many!.every((l) => l.startsWith('a') && l.endsWith('c'))).toBe(true);
    // An optional piece that is not one literal stops the lead there.
    expect(leadingLiterals('key(?:[a-z])?x', 'i')).toEqual(['key']);
    expect(leadingLiterals('key(?:ab|c\\d)?x', 'i')).toEqual(['key']);
  });

  it('keeps case without the i flag, and drops a literal that extends another', () => {
    expect(leadingLiterals('Bearer', '')).toEqual(['Bearer']);
    expect(leadingLiterals('(?:key|key=)[a-z]', 'i')).toEqual(['key']);
  });

  it('is null when a match may start otherwise', () => {
    for (const [src, flags] of [
      ['[a-z]{2}\\d-x', 'i'], // a class of a range
      ['a*bc', ''], // a first element that may repeat
      ['a|bc', ''], // a lead of one character
      ['(?:abc)*d', ''],
      ['x(?<=y)z', ''], // the lead stops at an assertion after it: 'x' alone is too short
      ['[^a]bc', ''],
      ['abc', 'iu'], // case folding beyond ASCII
      ['\\babc', ''], // a word boundary is an assertion: skipped, then 'abc'
    ] as const) {
      const r = leadingLiterals(src, flags);
      if (src === '\\babc') expect(r, src).toEqual(['abc']);
      else expect(r, src).toBeNull();
    }
  });

  it('gives every built-in keyword-led pattern a lead, and the bare shapes none', () => {
    const rs = builtinRuleSet();
    const led = rs.rules.flatMap((r) => r.leads.map((l, i) => `${r.id}#${i}:${l ? l.literals.join('|') : '-'}`));
    expect(led).toContain('hubspot-private-app-token#0:pat-');
    expect(led).toContain('hubspot-legacy-api-key#0:hapikey|hapi key|hapi_key|hapi.key|hapi-key');
    expect(led).toContain('hubspot-oauth-refresh-token#0:-');
    for (const r of rs.rules) for (const l of r.leads) if (l) expect(l.sticky.flags).toContain('y');
  });
});

describe("namePart: what every match starts with, before a pattern's {{assign}}", () => {
  it.each([
    ['api[_.-]?key{{assign}}(?<secret>{{uuid}})', 'api[_.-]?key'],
    ['(?<![a-z])x\\\\{{assign}}y', '(?<![a-z])x\\\\'], // an escaped backslash, then the macro
    ['[{]{{assign}}x', '[{]'],
    ['(?:a|b)c{{assign}}x{{assign}}y', '(?:a|b)c'],
  ])('%s → %s', (src, part) => {
    expect(namePart(src)).toBe(part);
  });

  it.each([
    'x(?<secret>{{uuid}})', // no macro
    '{{assign}}x', // nothing before it
    '(?:a{{assign}})x', // inside a group: not what every match starts with
    'a{{assign}}x|y', // an alternative at the top: a match may start with y
    'a|b{{assign}}x',
    '[{{assign}}]x', // inside a class: the macro's text, not its place
    'x\\{{assign}}y', // its first brace escaped
  ])('%s has none', (src) => {
    expect(namePart(src)).toBeNull();
  });

  it("expands the part's macros, and a top alternative inside one is not the pattern's", () => {
    expect(namePart('{{section}}key{{assign}}x')).toBe(`${expandMacros('{{section}}')}key`);
  });

  it('matches wherever its pattern does, at every place of every fixture where a built-in pattern with a name part matches', () => {
    const rs = builtinRuleSet();
    const named = rs.rules.flatMap((r) => r.leads.flatMap((l) => (l?.name ? [{ id: r.id, l }] : [])));
    // The keyword-led patterns that the bench tries most (`hubspot…`, `develop…`, `…token`) have one.
    expect(named.map((n) => n.l.name!.source)).toEqual(expect.arrayContaining(['develop[\\w. -]{0,20}?(?:api[_. -]?)?key', 'hubspot[\\w.-]{0,30}?token', 'access[_.-]?token']));
    expect(named.length).toBeGreaterThanOrEqual(15);
    let matched = 0;
    for (const f of loadFixtures()) {
      const text = f.text;
      for (const { id, l } of named) {
        for (const lit of l.literals) {
          for (let i = text.toLowerCase().indexOf(lit); i >= 0; i = text.toLowerCase().indexOf(lit, i + 1)) {
            l.sticky.lastIndex = i;
            if (!l.sticky.test(text)) continue;
            matched++;
            l.name!.lastIndex = i;
            expect(l.name!.test(text), `${id} at ${f.rel}:${i}`).toBe(true);
          }
        }
      }
    }
    expect(matched).toBeGreaterThan(100);
  });
});

describe("a context's gate: what every match of its pattern holds", () => {
  const gated = builtinRuleSet().rules.flatMap((r) => [...r.require, ...r.forbid].flatMap((c) => (c.gate ? [{ id: r.id, c }] : [])));

  it('the other-service context has one (its pattern alone takes 30-70 ms to compile)', () => {
    expect(gated.map((g) => g.id).sort()).toEqual(['hubspot-legacy-api-key', 'hubspot-oauth-client-secret']);
    expect(gated.every((g) => g.c.re.source === expandMacros('{{otherservice}}') && g.c.gate!.source === expandMacros('{{service}}'))).toBe(true);
  });

  it("matches every window of every fixture, and every generated one, where its context's pattern matches", () => {
    const { c } = gated[0]!;
    const windows: string[] = [];
    for (const f of loadFixtures()) {
      for (let end = 0; end <= f.text.length; end += 7) windows.push(f.text.slice(Math.max(0, end - 200), end));
    }
    // Windows of pieces that make and unmake the pattern's forms (seeded: the same every run).
    const pieces = ['stripe', 'Stripe API key: ', 'SENDGRID_KEY=', 'hubspot', 'hapikey', 'api key', 'secret', ':', '=', '=>', '\n', '\r\n', ' ', '"', "'", '[', '{', ',', '- ', 'value: ', 'provider "', "stripe's", 'live ', 'aws', 'arn:aws:', '"";a:1:{', 'zoom', '.', '_', '/', 'x', 'token', 'new_relic'];
    let seed = 20261125;
    const next = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let k = 0; k < 20_000; k++) {
      let w = '';
      for (let j = next(12) + 1; j > 0; j--) w += pieces[next(pieces.length)];
      windows.push(w);
    }
    let matched = 0;
    windows.forEach((w, i) => {
      if (!c.re.test(w)) return;
      matched++;
      // Named by its number, not its text: a fixture's window holds a (fake) credential.
      expect(c.gate!.test(w), `window ${i} of ${windows.length}`).toBe(true);
    });
    expect(matched).toBeGreaterThan(1_000);
  });
});

describe('pattern facts baked into the bundle', () => {
  it('compiling with precomputed facts gives the rules the same gates, leads and reach as analysing them', async () => {
    const { compileRule, ruleFacts } = await import('../src/core/rules.js');
    const { BUILTIN_RULES } = await import('../src/rules/index.js');
    const { builtinFacts } = await import('../scripts/rule-facts.js');
    const baked = JSON.parse(JSON.stringify(builtinFacts())) as Record<string, never>;
    expect(Object.keys(baked)).toHaveLength(BUILTIN_RULES.reduce((n, r) => n + r.patterns.length, 0));
    const shape = (r: ReturnType<typeof compileRule>) => ({ gates: r.gates, leads: r.leads.map((l) => l && { literals: l.literals, sticky: String(l.sticky), name: String(l.name) }), reach: r.reach });
    for (const spec of BUILTIN_RULES) {
      expect(shape(compileRule(spec, baked)), spec.id).toEqual(shape(compileRule(spec, {})));
      expect(ruleFacts(spec).every(([k]) => k in baked)).toBe(true);
    }
    // A pattern the facts do not know (a custom rule) is analysed when compiled.
    const custom = { ...BUILTIN_RULES[0]!, id: 'custom', patterns: ['my[_-]?key=(?<secret>{{uuid}})'] };
    expect(compileRule(custom, baked).leads[0]?.literals).toEqual(['mykey=', 'my_key=', 'my-key=']);
  });
});

describe('backtrackRisk: patterns a custom rule may not use', () => {
  it.each([
    ['(?<secret>(?:a|aa)+b)', true],
    ['(\\w+)*x', true],
    ['(?:[a-z]+-)*', true],
    ['(?:-[0-9a-f]{4}){3}', false],
    ['acme_hs_[0-9a-f]{32}', false],
    ['(?:key|token)=[a-z]+', false],
    ['(?=(a+)+)', true],
  ] as const)('%s → %s', (src, risky) => {
    expect(backtrackRisk(src) !== null).toBe(risky);
  });

  it('passes every built-in pattern and context pattern', () => {
    for (const r of builtinRuleSet().rules) {
      for (const re of [...r.patterns, ...r.require.map((c) => c.re), ...r.forbid.map((c) => c.re)]) expect(backtrackRisk(re.source, re.flags), `${r.id} ${re.source}`).toBeNull();
    }
  });
});
