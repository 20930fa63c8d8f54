/**
 * Small static facts about a rule's regular expression source, used to plan cheap prefilters
 * (rules.ts). Pure; errs on the safe side (Infinity / false) for anything it does not understand.
 */

/** The longest text the expression can match (lookarounds count 0); Infinity when unbounded. */
export function maxLength(src: string): number {
  let i = 0;
  const quantifier = (): { min: number; max: number } | null => {
    const q = src[i];
    let r: { min: number; max: number } | null = null;
    if (q === '*') r = { min: 0, max: Infinity };
    else if (q === '+') r = { min: 1, max: Infinity };
    else if (q === '?') r = { min: 0, max: 1 };
    else if (q === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (!m) return null;
      i += m[0].length - 1;
      r = { min: Number(m[1]), max: m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]) };
    }
    if (!r) return null;
    i++;
    if (src[i] === '?') i++;
    return r;
  };
  const alternation = (): number => {
    let best = 0;
    let cur = 0;
    while (i < src.length && src[i] !== ')') {
      const c = src[i]!;
      if (c === '|') {
        best = Math.max(best, cur);
        cur = 0;
        i++;
        continue;
      }
      let atom = 1;
      if (c === '(') {
        i++;
        let zero = false;
        if (src[i] === '?') {
          const n1 = src[i + 1];
          const n2 = src[i + 2];
          if (n1 === ':') i += 2;
          else if (n1 === '=' || n1 === '!') (i += 2), (zero = true);
          else if (n1 === '<' && (n2 === '=' || n2 === '!')) (i += 3), (zero = true);
          else if (n1 === '<') i = src.indexOf('>', i) + 1;
          else return Infinity;
        }
        const inner = alternation();
        if (src[i] === ')') i++;
        atom = zero ? 0 : inner;
      } else if (c === '[') {
        i++;
        if (src[i] === '^') i++;
        if (src[i] === ']') i++;
        while (i < src.length && src[i] !== ']') i += src[i] === '\\' ? 2 : 1;
        i++;
      } else if (c === '\\') {
        const d = src[i + 1] ?? '';
        if (d === 'b' || d === 'B') (atom = 0), (i += 2);
        else if (/[1-9k]/.test(d)) return Infinity;
        else if (d === 'u') i += src[i + 2] === '{' ? src.indexOf('}', i) + 1 - i : 6;
        else if (d === 'x') i += 4;
        else if (d === 'c') i += 3;
        else if (d === 'p' || d === 'P') i = src.indexOf('}', i) + 1;
        else i += 2;
      } else if (c === '^' || c === '$') {
        atom = 0;
        i++;
      } else {
        i++;
      }
      const q = quantifier();
      if (atom !== 0) cur += q ? atom * q.max : atom;
    }
    return Math.max(best, cur);
  };
  let total = alternation();
  while (i < src.length) {
    i++;
    total = Math.max(total, alternation());
  }
  return total;
}

/**
 * True when every match of `src` contains one of `keywords` (lower-case) as a literal: a literal
 * run outside optional parts, or a group every alternative of which does.
 */
export function impliesKeyword(src: string, keywords: readonly string[]): boolean {
  if (keywords.length === 0) return true;
  let i = 0;
  const has = (run: string): boolean => keywords.some((k) => run.toLowerCase().includes(k));
  const optionalNext = (): boolean => {
    const q = src[i];
    if (q === '?' || q === '*') return true;
    if (q === '{') return /^\{0[,}]/.test(src.slice(i));
    return false;
  };
  const skipQuantifier = (): void => {
    const q = src[i];
    if (q === '*' || q === '+' || q === '?') i++;
    else if (q === '{') {
      const m = /^\{\d+(,\d*)?\}/.exec(src.slice(i));
      if (m) i += m[0].length;
    }
    if (src[i] === '?') i++;
  };
  /** Parses alternatives up to ')' or the end; true when every alternative implies a keyword. */
  const alternation = (): boolean => {
    let all = true;
    let cur = false;
    let run = '';
    const flush = (): void => {
      if (run && has(run)) cur = true;
      run = '';
    };
    while (i < src.length && src[i] !== ')') {
      const c = src[i]!;
      if (c === '|') {
        flush();
        all &&= cur;
        cur = false;
        i++;
        continue;
      }
      if (c === '(') {
        flush();
        i++;
        let zero = false;
        if (src[i] === '?') {
          const n1 = src[i + 1];
          const n2 = src[i + 2];
          if (n1 === ':') i += 2;
          else if (n1 === '=' || n1 === '!') (i += 2), (zero = true);
          else if (n1 === '<' && (n2 === '=' || n2 === '!')) (i += 3), (zero = true);
          else if (n1 === '<') i = src.indexOf('>', i) + 1;
          else return false;
        }
        const inner = alternation();
        if (src[i] === ')') i++;
        const optional = optionalNext();
        skipQuantifier();
        if (inner && !zero && !optional) cur = true;
        continue;
      }
      let ch: string | null = null;
      if (c === '[') {
        i++;
        if (src[i] === '^') i++;
        if (src[i] === ']') i++;
        while (i < src.length && src[i] !== ']') i += src[i] === '\\' ? 2 : 1;
        i++;
      } else if (c === '\\') {
        const d = src[i + 1] ?? '';
        if (/[^A-Za-z0-9]/.test(d)) ch = d;
        i += 2;
      } else if (c === '.' || c === '^' || c === '$') {
        i++;
      } else {
        ch = c;
        i++;
      }
      if (ch !== null && !optionalNext()) {
        run += ch;
        if (src[i] === '+' || src[i] === '*' || src[i] === '{') {
          flush();
          skipQuantifier();
        }
      } else {
        flush();
        skipQuantifier();
      }
    }
    flush();
    return all && cur;
  };
  return alternation();
}
