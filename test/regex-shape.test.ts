/** Static facts about regexes, read from regexpp's syntax tree: what prefilter windows and chunk overlaps rely on. */
import { describe, expect, it } from 'vitest';
import { impliesKeyword, maxLengthBefore, regexReach } from '../src/core/regex-shape.js';
import { expandMacros } from '../src/core/rules.js';
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
    ['(?=hapikey)x', ['hapikey'], false],
    ['pat-\\d', ['pat-'], true],
    ['PAT-\\d', ['pat-'], true],
    ['(?:abc)+', ['abc'], true],
    ['x', [], true],
  ] as const)('%s with %j → %s', (src, kws, want) => {
    expect(impliesKeyword(src, kws)).toBe(want);
  });
});
