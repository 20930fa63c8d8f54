/**
 * Static facts about a rule's regular expression, read from its syntax tree (regexpp, the parser
 * ESLint uses): how long a match can be, how far its lookarounds reach, how much can come before a
 * given position, whether every match holds a keyword. Used to plan prefilter windows (rules.ts) and
 * chunk overlaps (read.ts). Pure; errs on the safe side (Infinity / false).
 */
import { RegExpParser, visitRegExpAST, type AST } from '@eslint-community/regexpp';

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
 * `source` up to offset `offset`, when every match of the pattern starts with a match of that part
 * alone: the pattern is one alternative whose elements split there, and no backreference before the
 * offset names a group after it (alone, the part would read it as other text). Null otherwise, when
 * the part is empty, or when `source` is no regex.
 */
export function leadingPart(source: string, offset: number, flags = ''): string | null {
  if (offset <= 0) return null;
  let ast: AST.Pattern;
  try {
    ast = parse(source, flags);
  } catch {
    return null;
  }
  const [only, ...more] = ast.alternatives;
  if (!only || more.length > 0 || !only.elements.some((e) => e.end === offset)) return null;
  let later = false;
  visitRegExpAST(ast, {
    onBackreferenceEnter: (b) => {
      if (b.start < offset && [b.resolved].flat().some((g) => g.end > offset)) later = true;
    },
  });
  return later ? null : source.slice(0, offset);
}

/**
 * True when every match of `source` contains one of `keywords` (lower-case) as a literal, or has one
 * right beside it: a run of mandatory characters, a mandatory group every alternative of which does,
 * or a positive lookaround that does (`(?<=tokensapi\.)create\(`: its text is outside the match but
 * in the text, which is all the keyword check asks). Negative lookarounds do not count.
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
      if (e.type === 'Assertion' && (e.kind === 'lookahead' || e.kind === 'lookbehind')) {
        if (!e.negate && every(e.alternatives)) ok = true;
        continue;
      }
      const body = e.type === 'Quantifier' && e.min >= 1 ? e.element : e;
      if (hasAlternatives(body) && every(body.alternatives)) ok = true;
    }
    flush();
    return ok;
  };
  return every(parse(source, flags).alternatives);
}

/** Longest literal kept per lead, and most leads per pattern (a finder regex stays small). */
const MAX_LEAD = 16;
const MAX_LEADS = 32;
/** A character class of at most this many single characters is expanded (`Ci[RV]` → cir, civ). */
const MAX_CLASS = 4;

/**
 * The literal strings every match of `source` starts with (lower-case when `flags` has `i`): after
 * any leading lookarounds, the mandatory characters, small classes, all-literal groups and optional
 * ones of those (`[_.-]?`: with and without) up to the first element that is not one. Null when some
 * match could start otherwise (a leading character class like `[a-z]{2}`, a first element that may
 * repeat or be absent other than as `x?`, a lead shorter than 2 characters, `u` / `v`
 * flags whose case folding reaches beyond ASCII). A finder for these literals then lists every
 * place a match can start.
 */
export function leadingLiterals(source: string, flags = ''): string[] | null {
  if (/[uv]/.test(flags)) return null;
  const fold = flags.includes('i');
  const norm = (s: string): string => (fold ? s.toLowerCase() : s);
  /** Prefixes of every match of the sequence, and whether they are the whole of it. */
  const sequence = (elements: readonly AST.Element[], leading: boolean): { lits: string[]; whole: boolean } => {
    let lits = [''];
    const cross = (next: readonly string[]): boolean => {
      const out: string[] = [];
      for (const a of lits) for (const b of next) out.push(a + b);
      if (out.length > MAX_LEADS || out.some((s) => s.length > MAX_LEAD)) return false;
      lits = out;
      return true;
    };
    for (const e of elements) {
      // Zero-width assertions before the first character do not move where a match starts.
      if (e.type === 'Assertion' && leading && lits.every((l) => l === '')) continue;
      const step = element(e);
      if (!step || !cross(step.lits) || !step.whole) return { lits, whole: false };
    }
    return { lits, whole: true };
  };
  const alternatives = (alts: readonly AST.Alternative[], leading: boolean): { lits: string[]; whole: boolean } | null => {
    const all: string[] = [];
    let whole = true;
    for (const a of alts) {
      const s = sequence(a.elements, leading);
      all.push(...s.lits);
      if (!s.whole) whole = false;
    }
    return all.length > MAX_LEADS ? null : { lits: all, whole };
  };
  const element = (e: AST.Element): { lits: string[]; whole: boolean } | null => {
    switch (e.type) {
      case 'Character':
        return { lits: [norm(String.fromCharCode(e.value))], whole: true };
      case 'CharacterClass': {
        if (e.negate || e.elements.length > MAX_CLASS || !e.elements.every((c) => c.type === 'Character')) return null;
        const chars = [...new Set(e.elements.map((c) => norm(String.fromCharCode((c as AST.Character).value))))];
        return { lits: chars, whole: true };
      }
      case 'Group':
      case 'CapturingGroup':
        return alternatives(e.alternatives, false);
      case 'Quantifier': {
        if (e.min < 1) {
          // An optional small piece (`[_.-]?`): every match has it or not; both go on (`api[_.-]?key` →
          // apikey, api_key, api.key, api-key), so the finder stops at far fewer places than at `api`.
          if (e.max !== 1) return null;
          const one = element(e.element);
          return one && one.whole ? { lits: ['', ...one.lits], whole: true } : null;
        }
        const one = element(e.element);
        if (!one) return null;
        if (e.min === 1 || !one.whole || one.lits.length !== 1) return { lits: one.lits, whole: one.whole && e.max === 1 };
        return { lits: [one.lits[0]!.repeat(Math.min(e.min, MAX_LEAD))], whole: e.max === e.min && e.min <= MAX_LEAD };
      }
      default:
        return null;
    }
  };
  const top = alternatives(parse(source, flags).alternatives, true);
  if (!top || top.lits.some((l) => l.length < 2)) return null;
  // A literal that extends another adds no place to look.
  const lits = [...new Set(top.lits)];
  return lits.filter((l) => !lits.some((o) => o !== l && l.startsWith(o)));
}

/**
 * Why a pattern may backtrack catastrophically, or null: a repetition of varying count around
 * something that can itself match in more than one way — another such repetition, or an alternation
 * (`(a|aa)+`, `(\w+)*`). Conservative: some safe patterns are refused too; the built-in rules have none of
 * these. Used for custom rules, whose patterns come from a config a pull request may change.
 */
/** The config problem for a pattern that may backtrack without end, or null when it is safe. */
export function backtrackProblem(re: RegExp): string | null {
  const why = backtrackRisk(re.source, re.flags);
  return why ? `may backtrack catastrophically: ${why}; write it so each character can be matched one way only (e.g. [ab]+ rather than (?:a|b)+)` : null;
}

export function backtrackRisk(source: string, flags = ''): string | null {
  const inner = (e: AST.Node): string | null => {
    switch (e.type) {
      case 'Quantifier':
        if (e.max > 1 && e.min !== e.max) return `a repetition inside a repetition (${e.raw})`;
        return inner(e.element);
      case 'Group':
      case 'CapturingGroup':
        if (e.alternatives.length > 1) return `an alternation inside a repetition (${e.raw})`;
        for (const a of e.alternatives) for (const x of a.elements) {
          const r = inner(x);
          if (r) return r;
        }
        return null;
      default:
        return null;
    }
  };
  const walk = (e: AST.Node): string | null => {
    if (e.type === 'Quantifier') {
      // Only a repetition of varying count can split its input many ways (`{3}` cannot).
      if (e.max > 1 && e.min !== e.max) {
        const r = inner(e.element);
        if (r) return `${r} in ${e.raw}`;
      }
      return walk(e.element);
    }
    if (e.type === 'Group' || e.type === 'CapturingGroup' || e.type === 'Pattern' || (e.type === 'Assertion' && (e.kind === 'lookahead' || e.kind === 'lookbehind'))) {
      for (const a of e.alternatives) for (const x of a.elements) {
        const r = walk(x);
        if (r) return r;
      }
    }
    return null;
  };
  return walk(parse(source, flags));
}
