/**
 * The detection core: text in, matches out. No I/O, no printing, no globals.
 */
import { LineIndex } from './text.js';
import type { CompiledRule, Encoding, Match, RuleSet } from './types.js';
import { randomPart, shannonEntropy } from './validators.js';
import { base64View, escapedView, mapRange, urlView, type View } from './views.js';

export interface DetectInput {
  text: string;
  /** Its file name is used for context checks (a file named `hubspot.ts` is HubSpot context). */
  path?: string;
}

export interface DetectOptions {
  /** Also look one layer deep: base64 runs, URL escapes, backslash escapes. Default true. */
  decode?: boolean;
}

interface Candidate {
  rule: CompiledRule;
  secret: string;
  start: number;
  end: number;
  encoding: Encoding;
}

const UUIDISH = /[0-9a-f]{8}-[0-9a-f]{4}-|[a-z]{2}\d{1,2}-[0-9a-f]{4}-[0-9a-f]{4}-/i;

function contextHolds(rule: CompiledRule, text: string, path: string, mStart: number, mEnd: number): boolean {
  for (const c of rule.require) {
    const window = text.slice(Math.max(0, mStart - c.before), Math.min(text.length, mEnd + c.after));
    if (!c.re.test(window) && !(c.path && path && c.re.test(path))) return false;
  }
  for (const c of rule.forbid) {
    const window = text.slice(Math.max(0, mStart - c.before), Math.min(text.length, mEnd + c.after));
    if (c.re.test(window) || (c.path && path && c.re.test(path))) return false;
  }
  return true;
}

/** Whether a matched secret passes the rule's own checks (validators, entropy, placeholders). */
export function secretPasses(rule: CompiledRule, secret: string): boolean {
  for (const a of rule.allow) if (a.test(secret)) return false;
  const floor = rule.spec.entropy;
  if (floor !== undefined && shannonEntropy(randomPart(secret)) < floor) return false;
  for (const v of rule.validators) if (!v(secret)) return false;
  return true;
}

function rulesFor(ruleset: RuleSet, text: string): CompiledRule[] {
  const lower = text.toLowerCase();
  const present = new Set(ruleset.keywords.filter((k) => lower.includes(k)));
  // A rule without keywords (a shape with no literal in it) always runs.
  return ruleset.rules.filter((r) => r.keywords.length === 0 || r.keywords.some((k) => present.has(k)));
}

function scanText(rules: CompiledRule[], text: string, path: string, emit: (rule: CompiledRule, secret: string, start: number, end: number) => void): void {
  for (const rule of rules) {
    for (const re of rule.patterns) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        if (m[0].length === 0) re.lastIndex++;
        const span = m.indices?.groups?.['secret'];
        const secret = m.groups?.['secret'];
        if (!span || !secret) continue;
        if (!secretPasses(rule, secret)) continue;
        if (!contextHolds(rule, text, path, m.index, m.index + m[0].length)) continue;
        emit(rule, secret, span[0], span[1]);
      }
    }
  }
}

function scanView(ruleset: RuleSet, view: View, path: string, out: Candidate[]): void {
  const rules = rulesFor(ruleset, view.text);
  scanText(rules, view.text, path, (rule, secret, vs, ve) => {
    const { start, end, decoded } = mapRange(view, vs, ve);
    out.push({ rule, secret, start, end, encoding: decoded ? view.kind : 'plain' });
  });
}

/** Keep the best of overlapping candidates: higher priority, then longer, then earlier. */
function resolveOverlaps(cands: Candidate[]): Candidate[] {
  const sorted = [...cands].sort(
    (a, b) =>
      b.rule.spec.priority - a.rule.spec.priority ||
      b.end - b.start - (a.end - a.start) ||
      (a.encoding === 'plain' ? -1 : 0) - (b.encoding === 'plain' ? -1 : 0) ||
      a.start - b.start,
  );
  const kept: Candidate[] = [];
  for (const c of sorted) {
    if (kept.some((k) => c.start < k.end && k.start < c.end)) continue;
    kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * Find every HubSpot credential in `input.text`. Offsets, lines and columns refer to `input.text`
 * (1-based lines and columns, `endColumn` exclusive). For a secret found inside an encoded run
 * (base64, URL, escapes) the position is that of the encoded run.
 */
export function detect(input: DetectInput, ruleset: RuleSet, options: DetectOptions = {}): Match[] {
  const { text } = input;
  // Context may come from the file name (hubspot.ts, hubspot.config.yml), not from the folders above it.
  const path = (input.path ?? '').replace(/^.*[\\/]/, '');
  const cands: Candidate[] = [];
  scanText(rulesFor(ruleset, text), text, path, (rule, secret, start, end) => {
    cands.push({ rule, secret, start, end, encoding: 'plain' });
  });

  if (options.decode !== false) {
    const interesting = (decoded: string): boolean => {
      const lower = decoded.toLowerCase();
      return UUIDISH.test(decoded) || ruleset.keywords.some((k) => lower.includes(k));
    };
    for (const view of [escapedView(text), urlView(text), base64View(text, interesting)]) {
      if (view) scanView(ruleset, view, path, cands);
    }
  }
  if (cands.length === 0) return [];

  const lines = new LineIndex(text);
  return resolveOverlaps(cands).map((c) => {
    const s = lines.position(c.start);
    const e = lines.position(c.end);
    return {
      ruleId: c.rule.id,
      secret: c.secret,
      start: c.start,
      end: c.end,
      line: s.line,
      column: s.column,
      endLine: e.line,
      endColumn: e.column,
      encoding: c.encoding,
    };
  });
}
