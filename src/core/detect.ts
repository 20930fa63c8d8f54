/**
 * The detection core: text in, matches out. No I/O, no printing, no globals.
 */
import { LineIndex } from './text.js';
import type { CompiledRule, Encoding, Match, RuleSet } from './types.js';
import { randomPart, shannonEntropy } from './validators.js';
import { type Gate, Shapes, VIEW_NEAR } from './prefilter.js';
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

type Emit = (rule: CompiledRule, secret: string, start: number, end: number) => void;

const keywordRes = new WeakMap<CompiledRule, RegExp | null>();

/**
 * Whether any of the rule's keywords occurs in the text or the file name (case-insensitive; a file
 * named hubspot.config.yml is HubSpot context, as for context checks); rules without keywords always
 * run. One literal-led regex per rule: no lower-cased copy of the text, one pass at most.
 */
function hasKeyword(rule: CompiledRule, shapes: Shapes, path: string): boolean {
  let hit = shapes.keywordHit.get(rule.id);
  if (hit !== undefined) return hit;
  let re = keywordRes.get(rule);
  if (re === undefined) {
    re = rule.keywords.length ? new RegExp(rule.keywords.map((k) => k.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|'), 'i') : null;
    keywordRes.set(rule, re);
  }
  hit = re === null || re.test(path) || re.test(shapes.text);
  shapes.keywordHit.set(rule.id, hit);
  return hit;
}

/** Run one pattern over `sub` (a slice of the text at `offset`), reporting matches starting in [from, to). */
function runPattern(
  rule: CompiledRule,
  re: RegExp,
  sub: string,
  offset: number,
  from: number,
  to: number,
  state: { lastEnd: number },
  text: string,
  path: string,
  emit: Emit,
): void {
  re.lastIndex = Math.max(from, state.lastEnd) - offset;
  for (let m = re.exec(sub); m; m = re.exec(sub)) {
    const at = m.index + offset;
    if (at >= to) break;
    if (m[0].length === 0) re.lastIndex++;
    state.lastEnd = at + m[0].length;
    const span = m.indices?.groups?.['secret'];
    const secret = m.groups?.['secret'];
    if (!span || !secret) continue;
    if (!secretPasses(rule, secret)) continue;
    if (!contextHolds(rule, text, path, at, at + m[0].length)) continue;
    emit(rule, secret, span[0] + offset, span[1] + offset);
  }
}

/**
 * Every rule over one text. A rule runs only on texts holding one of its keywords (or always, when
 * it has none). A pattern with a gate (its secret's shape) runs only in windows around that shape;
 * when every match of it holds a keyword anyway, the keyword check is skipped (it cannot change the
 * result). A pattern without a gate runs over the whole text.
 */
function scanText(ruleset: RuleSet, shapes: Shapes, path: string, emit: Emit): void {
  const text = shapes.text;
  for (const rule of ruleset.rules) {
    for (let i = 0; i < rule.patterns.length; i++) {
      const re = rule.patterns[i]!;
      const gate = rule.gates[i] ?? null;
      const state = { lastEnd: 0 };
      if (gate === null) {
        if (hasKeyword(rule, shapes, path)) runPattern(rule, re, text, 0, 0, text.length, state, text, path, emit);
        continue;
      }
      const windows = shapes.windowsFor(gate);
      if (windows.length === 0) continue;
      if (gate.keywordCheck && !hasKeyword(rule, shapes, path)) continue;
      for (const w of windows) {
        if (w.end <= state.lastEnd) continue;
        const { sub, offset } = shapes.slice(w);
        runPattern(rule, re, sub, offset, w.start, w.end, state, text, path, emit);
      }
    }
  }
}

/** What a rule set needs from the prefilter: its gates, and the keywords of patterns without one. */
interface Plan {
  gates: Gate[];
  /** Rules with a pattern without a gate (they run over whole texts holding a keyword). */
  ungated: CompiledRule[];
}

const plans = new WeakMap<RuleSet, Plan>();

function planFor(ruleset: RuleSet): Plan {
  let plan = plans.get(ruleset);
  if (plan) return plan;
  const gates = new Map<string, Gate>();
  const ungated: CompiledRule[] = [];
  for (const rule of ruleset.rules) {
    rule.gates.forEach((g) => {
      if (g) gates.set(g.kind === 'uuid' ? `uuid:${g.before}` : `run${g.min}:${g.before}`, g);
    });
    if (rule.gates.some((g) => g === null) || rule.gates.length < rule.patterns.length) ungated.push(rule);
  }
  plan = { gates: [...gates.values()], ungated };
  plans.set(ruleset, plan);
  return plan;
}

/** Escapes that may decode to a token character: `\\u…` / `\\x…` (indexOf runs in native code, faster than a regex). */
const MAY_DECODE_TO_TOKEN = {
  escaped: (t: string): boolean => t.includes('\\u') || t.includes('\\x') || t.includes('\\U') || t.includes('\\X'),
  url: (t: string): boolean => /%(?:2[bdf]|[3-7][0-9a-f])/i.test(t),
} as const;

/**
 * A cheap marker for an escape / URL view: decoding can only create a finding where an escape sits
 * near a secret's shape, or turns into a token character, or where an ungated rule applies at all.
 */
function viewMayPay(kind: 'escaped' | 'url', shapes: Shapes, plan: Plan, path: string): boolean {
  const text = shapes.text;
  const ch = kind === 'escaped' ? '\\' : '%';
  if (text.indexOf(ch) === -1) return false;
  if (MAY_DECODE_TO_TOKEN[kind](text)) return true;
  if (plan.ungated.some((rule) => hasKeyword(rule, shapes, path))) return true;
  for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) {
    if (shapes.near(plan.gates, i, VIEW_NEAR)) return true;
  }
  return false;
}

function scanView(ruleset: RuleSet, view: View, path: string, out: Candidate[]): void {
  scanText(ruleset, new Shapes(view.text), path, (rule, secret, vs, ve) => {
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
  const shapes = new Shapes(text);
  scanText(ruleset, shapes, path, (rule, secret, start, end) => {
    cands.push({ rule, secret, start, end, encoding: 'plain' });
  });

  if (options.decode !== false) {
    const plan = planFor(ruleset);
    const interesting = (decoded: string): boolean => {
      if (UUIDISH.test(decoded)) return true;
      const lower = decoded.toLowerCase();
      return ruleset.keywords.some((k) => lower.includes(k));
    };
    const views = [
      viewMayPay('escaped', shapes, plan, path) ? escapedView(text) : null,
      viewMayPay('url', shapes, plan, path) ? urlView(text) : null,
      base64View(text, interesting, shapes.runs()),
    ];
    for (const view of views) {
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
