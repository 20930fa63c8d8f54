/**
 * Static facts about a rule's regular expression, read from its syntax tree (regexpp, the parser
 * ESLint uses): how long a match can be, how far its lookarounds reach, how much can come before a
 * given position, whether every match holds a keyword. Used to plan prefilter windows (rules.ts) and
 * chunk overlaps (read.ts). Pure; errs on the safe side (Infinity / false).
 */
import { RegExpParser, type AST } from '@eslint-community/regexpp';

const parser = new RegExpParser({ ecmaVersion: 2025 });

const parsed = new Map<string, AST.Pattern>();

/** Each pattern is parsed once per process, however many facts are asked of it (start-up matters: the hook). */
function parse(source: string, flags: string): AST.Pattern {
  const key = `${flags.includes('v') ? 'v' : flags.includes('u') ? 'u' : ''}/${source}`;
  let ast = parsed.get(key);
  if (!ast) {
    ast = parser.parsePattern(source, undefined, undefined, { unicode: flags.includes('u'), unicodeSets: flags.includes('v') });
    parsed.set(key, ast);
  }
  return ast;
}

type Alternatives = readonly AST.Alternative[];

function hasAlternatives(e: AST.Element): e is AST.Group | AST.CapturingGroup {
  return e.type === 'Group' || e.type === 'CapturingGroup';
}

/** Longest match of each element (UTF-16 code units); lookaround reach is collected separately. */
class Measure {
  look = 0;
  constructor(private readonly astral: boolean) {}

  alternatives(alts: Alternatives): number {
    return alts.reduce((best, a) => Math.max(best, this.sequence(a.elements)), 0);
  }

  sequence(elements: readonly AST.Element[]): number {
    return elements.reduce((n, e) => n + this.element(e), 0);
  }

  element(e: AST.Element): number {
    switch (e.type) {
      case 'Character':
        return e.value > 0xffff ? 2 : 1;
      case 'CharacterSet':
      case 'CharacterClass':
      case 'ExpressionCharacterClass':
        // Without the u / v flag a set matches one code unit; with it, maybe an astral character.
        return this.astral ? 2 : 1;
      case 'Group':
      case 'CapturingGroup':
        return this.alternatives(e.alternatives);
      case 'Assertion':
        if (e.kind === 'lookahead' || e.kind === 'lookbehind') {
          const inner = this.alternatives(e.alternatives); // may raise this.look itself (nested lookarounds)
          this.look = Math.max(this.look, inner);
        }
        return 0;
      case 'Quantifier': {
        const inner = this.element(e.element);
        return inner === 0 ? 0 : inner * e.max;
      }
      default:
        return Infinity; // backreferences, anything unforeseen
    }
  }
}

/**
 * An upper bound on the length of any match of `source`, and on how far its lookarounds reach
 * beyond it. `Infinity` when a quantifier is unbounded or a backreference is used.
 */
export function regexReach(source: string, flags = ''): { match: number; look: number } {
  const m = new Measure(/[uv]/.test(flags));
  const match = m.alternatives(parse(source, flags).alternatives);
  return { match, look: m.look };
}

/** The longest text the expression can match (lookarounds count 0); Infinity when unbounded. */
export function maxLength(source: string, flags = ''): number {
  return regexReach(source, flags).match;
}

/**
 * The longest text a match can hold before the point where the pattern reaches source offset
 * `offset` (e.g. where a secret's UUID begins). Infinity when unbounded.
 */
export function maxLengthBefore(source: string, offset: number, flags = ''): number {
  const m = new Measure(/[uv]/.test(flags));
  const inSequence = (elements: readonly AST.Element[]): number => {
    let total = 0;
    for (const e of elements) {
      if (e.end <= offset) total += m.element(e);
      else if (e.start < offset) return total + inElement(e);
      else break;
    }
    return total;
  };
  const inAlternatives = (alts: Alternatives): number => {
    const a = alts.find((x) => x.start <= offset && offset <= x.end);
    return a ? inSequence(a.elements) : 0;
  };
  const inElement = (e: AST.Element): number => {
    if (hasAlternatives(e)) return inAlternatives(e.alternatives);
    if (e.type === 'Quantifier') {
      const one = m.element(e.element);
      // Earlier repetitions, then the part of this one before the offset.
      return (e.max === Infinity ? (one === 0 ? 0 : Infinity) : one * (e.max - 1)) + inElement(e.element);
    }
    return 0;
  };
  return inAlternatives(parse(source, flags).alternatives);
}

/**
 * True when every match of `source` contains one of `keywords` (lower-case) as a literal: a run of
 * mandatory characters, or a mandatory group every alternative of which does. Lookarounds do not
 * count (their text is outside the match).
 */
export function impliesKeyword(source: string, keywords: readonly string[], flags = ''): boolean {
  if (keywords.length === 0) return true;
  const has = (run: string): boolean => keywords.some((k) => run.toLowerCase().includes(k));
  const every = (alts: Alternatives): boolean => alts.length > 0 && alts.every((a) => sequence(a.elements));
  const sequence = (elements: readonly AST.Element[]): boolean => {
    let run = '';
    let ok = false;
    const flush = (): void => {
      if (run && has(run)) ok = true;
      run = '';
    };
    for (const e of elements) {
      if (e.type === 'Character') {
        run += String.fromCodePoint(e.value);
        continue;
      }
      if (e.type === 'Quantifier' && e.min >= 1 && e.element.type === 'Character') {
        run += String.fromCodePoint(e.element.value).repeat(Math.min(e.min, 64));
        if (e.max !== e.min) flush();
        continue;
      }
      flush();
      const body = e.type === 'Quantifier' && e.min >= 1 ? e.element : e;
      if (hasAlternatives(body) && every(body.alternatives)) ok = true;
    }
    flush();
    return ok;
  };
  return every(parse(source, flags).alternatives);
}
