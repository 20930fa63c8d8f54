/**
 * The literal finders' trie (src/core/literals.ts) must find what the plain alternation, longest
 * literal first, finds: at every place, the same literal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { literalsSource } from '../src/core/literals.js';

/** Every hit of a finder, resuming one character after each (as runGroup does). */
function hits(re: RegExp, text: string): string[] {
  const out: string[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push(`${m.index}:${m[0].toLowerCase()}`);
    re.lastIndex = m.index + 1;
  }
  return out;
}

const plain = (literals: readonly string[]): RegExp =>
  new RegExp([...literals].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|'), 'gi');

describe('literalsSource', () => {
  it('is a trie of the literals', () => {
    expect(literalsSource(['hapikey', 'hubspot', 'hubspot(', 'hubspotapi(', 'api_key', 'api-key'])).toBe('(?:h(?:ubspot(?:api\\(|\\()?|apikey)|api(?:_key|\\-key))');
  });

  it('finds the same literal at the same places as the alternation, longest first (random literals and texts)', () => {
    const alphabet = fc.constantFrom(...'abAB_-.(/\\ \n'.split(''));
    const literal = fc.string({ unit: alphabet, minLength: 1, maxLength: 4 }).map((s) => s.toLowerCase());
    let total = 0;
    fc.assert(
      fc.property(fc.array(literal, { minLength: 1, maxLength: 12 }), fc.string({ unit: alphabet, minLength: 50, maxLength: 400 }), (literals, text) => {
        const want = hits(plain(literals), text);
        total += want.length;
        expect(hits(new RegExp(literalsSource(literals), 'gi'), text)).toEqual(want);
      }),
      { numRuns: 2000 },
    );
    expect(total).toBeGreaterThan(2000);
  });

  it('an empty literal matches where no other does, as in the alternation; no literals match nowhere', () => {
    const literals = ['ab', '', 'a'];
    expect(hits(new RegExp(literalsSource(literals), 'gi'), 'xaby')).toEqual(hits(plain(literals), 'xaby'));
    expect(new RegExp(literalsSource([]), 'i').test('anything')).toBe(false);
  });

  it('falls back to the alternation for non-ASCII literals (µ and μ fold together under i)', () => {
    const literals = ['µa', 'μab'];
    expect(literalsSource(literals)).toBe('μab|µa');
    expect(hits(new RegExp(literalsSource(literals), 'gi'), 'ΜAB µa')).toEqual(hits(plain(literals), 'ΜAB µa'));
  });
});
