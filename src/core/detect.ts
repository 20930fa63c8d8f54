/**
 * The detection core: text in, matches out. No I/O, no printing, no globals.
 */
import { countBelow, hasLoneCr, LineIndex } from './text.js';
import type { CompiledContext, CompiledRule, Encoding, Lead, Match, RuleSet } from './types.js';
import { isDigitCode, randomPart, shannonEntropy } from './validators.js';
import { type Gate, Shapes, type Window, windowKey } from './prefilter.js';
import { literalsSource } from './literals.js';
import { ByteText, literalSet, type LiteralSet } from './bytes.js';
import { recordRange, recordView, type RecordView } from './tables.js';
import { ansiView, base64View, controlSequenceAt, escapedView, hex, mapRange, markupView, quotedPrintableView, unfoldedView, urlView, type EscapeView, type View } from './views.js';

export interface DetectInput {
  text: string;
  /** Its file name is used for context checks (a file named `hubspot.ts` is HubSpot context). */
  path?: string;
  /**
   * The text's bytes, when each byte is one of its characters (ASCII text decoded from them; see
   * text.ts `decodeBytes`): the whole-text passes then run on them (bytes.ts), with the same results.
   * Ignored unless as long as the text.
   */
  bytes?: Uint8Array;
}

export interface DetectOptions {
  /** Also look one layer deep: base64 runs, URL escapes, backslash escapes. Default true. */
  decode?: boolean;
  /**
   * Read records as names and values (tables.ts): a table (a `.csv`, `.tsv` file) by its header's
   * column names, JSON objects pairing a name and a value. Default true; false for a part of a file
   * (which may not start with its header, nor parse as JSON).
   */
  records?: boolean;
}

interface Candidate {
  rule: CompiledRule;
  secret: string;
  start: number;
  end: number;
  encoding: Encoding;
}

const UUIDISH = /[0-9a-f]{8}-[0-9a-f]{4}-|[a-z]{2}\d{1,2}-[0-9a-f]{4}-[0-9a-f]{4}-/i;

/**
 * Where the record around [mStart, mEnd) starts and ends, within `before` / `after` of it: a row of
 * an SQL dump's extended INSERT (`…'yes'),(151,'moosend_settings','a:2:{…`) is one option, and a
 * context window does not reach into the rows beside it (a HubSpot option does not make the next
 * plugin's key HubSpot's). The whole reach where there is no such row.
 */
function recordAround(text: string, mStart: number, mEnd: number, before: number, after: number): [number, number] {
  const lo = Math.max(0, mStart - before);
  const hi = Math.min(text.length, mEnd + after);
  // Searched in the reach only (a search of the whole text per match made dense texts quadratic).
  const head = text.slice(lo, mStart);
  let start = lo;
  for (let i = head.lastIndexOf('),('); i !== -1; i = i > 0 ? head.lastIndexOf('),(', i - 1) : -1) {
    if (isDigitCode(text.charCodeAt(lo + i + 3))) {
      start = lo + i + 2;
      break;
    }
  }
  const tail = text.slice(mEnd, hi);
  let end = hi;
  for (let i = tail.indexOf('),('); i !== -1; i = tail.indexOf('),(', i + 1)) {
    if (isDigitCode(text.charCodeAt(mEnd + i + 3))) {
      end = mEnd + i + 1;
      break;
    }
  }
  return [start, end];
}

/** Per rule: how far its contexts look before and after a match, at most. */
const contextReaches = new WeakMap<CompiledRule, [number, number]>();
function contextReach(rule: CompiledRule): [number, number] {
  let r = contextReaches.get(rule);
  if (r === undefined) {
    const all = [...rule.require, ...rule.forbid];
    r = [Math.max(0, ...all.map((c) => c.before)), Math.max(0, ...all.map((c) => c.after))];
    contextReaches.set(rule, r);
  }
  return r;
}

function contextHolds(rule: CompiledRule, text: string, path: string, mStart: number, mEnd: number): boolean {
  let reach: [number, number] | undefined;
  const window = (c: CompiledContext): string => {
    reach ??= recordAround(text, mStart, mEnd, ...contextReach(rule));
    return text.slice(Math.max(reach[0], mStart - c.before), Math.min(reach[1], mEnd + c.after));
  };
  for (const c of rule.require) {
    if (!contextIn(c, window(c)) && !(c.path && path && contextIn(c, path))) return false;
  }
  for (const c of rule.forbid) {
    if (contextIn(c, window(c)) || (c.path && path && contextIn(c, path))) return false;
  }
  return true;
}

/** Whether a context's pattern matches `s`: tried only where its gate (if any) does. */
function contextIn(c: CompiledContext, s: string): boolean {
  return (c.gate === null || c.gate.test(s)) && c.re.test(s);
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

/** Where a scan's matches go: `holds` checks a match's context, `emit` takes a match that passed. */
interface Out {
  holds: (rule: CompiledRule, start: number, end: number) => boolean;
  emit: Emit;
}

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
    re = rule.keywords.length ? new RegExp(literalsSource(rule.keywords), 'i') : null;
    keywordRes.set(rule, re);
  }
  hit = re === null || (shapes.parent !== undefined && hasKeyword(rule, shapes.parent, path)) || re.test(path) || inText(rule, re, shapes);
  shapes.keywordHit.set(rule.id, hit);
  return hit;
}

/** Per rule: its keywords as a byte pass's literal set and a sticky regex (for keywords the pass does not compare whole). */
const keywordSets = new WeakMap<CompiledRule, { set: LiteralSet; sticky: RegExp } | null>();
/** Places a keyword search asks the byte pass for at a time (most texts with a keyword hold it early). */
const KEYWORD_BATCH = 16;

/** Whether the rule's keyword regex `re` matches the text: on its bytes when it has them. */
function inText(rule: CompiledRule, re: RegExp, shapes: Shapes): boolean {
  const { bytes, text } = shapes;
  if (bytes === undefined) return re.test(text);
  let k = keywordSets.get(rule);
  if (k === undefined) {
    const set = literalSet(rule.keywords);
    k = set ? { set, sticky: new RegExp(re.source, 'iy') } : null;
    keywordSets.set(rule, k);
  }
  if (k === null) return re.test(text);
  const { set, sticky } = k;
  return bytes.someLiteral(set, 0, text.length, KEYWORD_BATCH, (i) => {
    if (!set.long) return true;
    sticky.lastIndex = i;
    return sticky.test(text);
  });
}

/** A match's checks (validators, entropy, placeholders, context), then `emit` with absolute offsets. */
function report(rule: CompiledRule, m: RegExpExecArray, offset: number, out: Out): void {
  const span = m.indices?.groups?.['secret'];
  const secret = m.groups?.['secret'];
  if (!span || !secret) return;
  if (!secretPasses(rule, secret)) return;
  const at = m.index + offset;
  if (!out.holds(rule, at, at + m[0].length)) return;
  out.emit(rule, secret, span[0] + offset, span[1] + offset);
}

/** Run an ungated pattern over the whole text. */
function runPattern(rule: CompiledRule, re: RegExp, text: string, out: Out): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) re.lastIndex++;
    report(rule, m, 0, out);
  }
}

/** A pattern with a gate and a literal lead, run at the literals' hits inside its windows. */
interface Led {
  rule: CompiledRule;
  lead: Lead;
  gate: Gate;
}

/**
 * Patterns that share windows and start with literals: one case-insensitive finder for all their
 * literals lists every place one of them starts (it resumes one character after each hit, so
 * `hapikey` does not hide the `api` inside it), and each pattern is tried there with its sticky twin.
 * Same matches as running each pattern over each window, in one pass per window. Patterns of one
 * shape (UUID, hublet id, base64 run of one length) share the widest windows any of them needs: a
 * pattern reaching 64 characters before a UUID is found in that UUID's 256-character window too, and
 * one pass over each UUID's window costs less than one per window size (a pass per size over the
 * bench tree's 193k UUIDs cost 6% of a scan).
 */
interface LedGroup {
  gate: Gate;
  finder: RegExp;
  members: Led[];
  /** Per literal the finder can report (lower-case): the members with a literal that is a prefix of it. */
  byLiteral: Map<string, number[]>;
  /** The literals as a byte pass's set (null: not all ASCII), and the finder made sticky (for literals the pass does not compare whole). */
  set: LiteralSet | null;
  sticky: RegExp;
}

/** How a rule set's patterns run: grouped literal-led ones, and the rest one by one. */
interface Plan {
  groups: LedGroup[];
  /** Gated patterns without a lead (run over their windows), and ungated ones (over whole texts). */
  single: { rule: CompiledRule; re: RegExp; gate: Gate | null }[];
  /** Every gate in use (for the view markers). */
  gates: Gate[];
  /** Rules with a pattern without a gate (they run over whole texts holding a keyword). */
  ungated: CompiledRule[];
}

const plans = new WeakMap<RuleSet, Plan>();

function planFor(ruleset: RuleSet): Plan {
  let plan = plans.get(ruleset);
  if (plan) return plan;
  const gates = new Map<string, Gate>();
  const groups = new Map<string, LedGroup>();
  const single: Plan['single'] = [];
  const ungated: CompiledRule[] = [];
  // Per shape, the led pattern's gate with the widest windows: the group of that shape runs in them.
  const shape = (g: Gate): string => windowKey(g).shape;
  const widest = new Map<string, Gate>();
  for (const rule of ruleset.rules) {
    rule.patterns.forEach((_, i) => {
      const gate = rule.gates[i] ?? null;
      if (gate === null || !rule.leads[i]) return;
      const w = widest.get(shape(gate));
      if (!w || windowKey(gate).before > windowKey(w).before) widest.set(shape(gate), gate);
    });
  }
  for (const rule of ruleset.rules) {
    rule.patterns.forEach((re, i) => {
      const gate = rule.gates[i] ?? null;
      const lead = rule.leads[i] ?? null;
      if (gate === null) {
        if (!ungated.includes(rule)) ungated.push(rule);
        single.push({ rule, re, gate });
        return;
      }
      if (lead === null) {
        gates.set(windowKey(gate).id, gate);
        single.push({ rule, re, gate });
        return;
      }
      const shared = widest.get(shape(gate))!;
      const groupKey = windowKey(shared).id;
      gates.set(groupKey, shared);
      let g = groups.get(groupKey);
      if (!g) groups.set(groupKey, (g = { gate: shared, finder: /$^/, members: [], byLiteral: new Map(), set: null, sticky: /$^/y }));
      g.members.push({ rule, lead, gate });
    });
  }
  for (const g of groups.values()) {
    const literals = [...new Set(g.members.flatMap((m) => m.lead.literals.map((l) => l.toLowerCase())))];
    // The longest literal at each place: every other literal matching there is a prefix of it.
    g.finder = new RegExp(literalsSource(literals), 'gi');
    g.sticky = new RegExp(g.finder.source, 'iy');
    g.set = literalSet(literals);
    for (const lit of literals) {
      g.byLiteral.set(lit, g.members.flatMap((m, k) => (m.lead.literals.some((l) => lit.startsWith(l.toLowerCase())) ? [k] : [])));
    }
  }
  plan = { groups: [...groups.values()], single, gates: [...gates.values()], ungated };
  plans.set(ruleset, plan);
  return plan;
}

function runGroup(group: LedGroup, applies: (k: number) => boolean, shapes: Shapes, out: Out): void {
  const { finder, members, byLiteral, sticky } = group;
  const lastEnd = new Array<number>(members.length).fill(0);
  const active: (boolean | undefined)[] = new Array(members.length);
  // The slice of the text around the window being searched (on bytes: cut at its first literal's place).
  let sub = '';
  let offset = 0;
  /** Each member led by the literal `lit` (lower-case) found at `i` in `sub`, tried there. */
  const tryAt = (lit: string, i: number): void => {
    for (const k of byLiteral.get(lit)!) {
      if (i + offset < lastEnd[k]! || !(active[k] ??= applies(k))) continue;
      const { rule, lead } = members[k]!;
      const name = lead.name;
      if (name !== null) {
        name.lastIndex = i;
        if (!name.test(sub)) continue;
      }
      const re = lead.sticky;
      re.lastIndex = i;
      const m = re.exec(sub);
      if (m === null) continue;
      lastEnd[k] = i + offset + m[0].length;
      report(rule, m, offset, out);
    }
  };
  const bytes = shapes.bytes;
  const set = group.set;
  if (bytes !== undefined && set !== null) {
    // On bytes: the pass gives each place a literal starts, and the longest there.
    const { literals, long } = set;
    const windows = shapes.windowsFor(group.gate);
    let cutFor = -1;
    bytes.eachLiteralIn(set, windows, (i, literal, k) => {
      if (k !== cutFor) {
        ({ sub, offset } = shapes.slice(windows[k]!));
        cutFor = k;
      }
      if (!long) {
        tryAt(literals[literal]!, i - offset);
        return;
      }
      // A literal longer than the pass compares: the sticky finder tells which one is there, if any.
      sticky.lastIndex = i - offset;
      const hit = sticky.exec(sub);
      if (hit !== null) tryAt(hit[0].toLowerCase(), i - offset);
    });
    return;
  }
  for (const w of shapes.windowsFor(group.gate)) {
    ({ sub, offset } = shapes.slice(w));
    const to = w.end - offset;
    finder.lastIndex = w.start - offset;
    for (let hit = finder.exec(sub); hit !== null && hit.index < to; hit = finder.exec(sub)) {
      const i = hit.index;
      finder.lastIndex = i + 1;
      tryAt(hit[0].toLowerCase(), i);
    }
  }
}

/** Matches of a pattern in a text: each exec result and the offset of the window slice it ran on. */
interface Raw {
  ms: RegExpExecArray[];
  offsets: number[];
}

/**
 * Matches of a gated pattern over its windows, computed once per text however many rules use the same
 * pattern (the bare refresh-token / developer-key shape is in two rules).
 */
function windowMatches(re: RegExp, gate: Gate, shapes: Shapes): Raw {
  const key = `${windowKey(gate).id}/${re.flags}/${re.source}`;
  let raw = shapes.memo.get(key) as Raw | undefined;
  if (raw) return raw;
  // Two arrays, not one object per match: exec results differ in shape between patterns.
  raw = { ms: [], offsets: [] };
  let lastEnd = 0;
  for (const w of shapes.windowsFor(gate)) {
    if (w.end <= lastEnd) continue;
    const { sub, offset } = shapes.slice(w);
    re.lastIndex = Math.max(w.start, lastEnd) - offset;
    for (let m = re.exec(sub); m; m = re.exec(sub)) {
      if (m.index + offset >= w.end) break;
      if (m[0].length === 0) re.lastIndex++;
      lastEnd = m.index + offset + m[0].length;
      raw.ms.push(m);
      raw.offsets.push(offset);
    }
  }
  shapes.memo.set(key, raw);
  return raw;
}

/**
 * Every rule over one text. A rule runs only on texts holding one of its keywords (or always, when
 * it has none). A pattern with a gate (its secret's shape) runs only in windows around that shape;
 * when every match of it holds a keyword anyway, the keyword check is skipped (it cannot change the
 * result). Gated patterns that start with literals run where those literals are (`runGroup`). A
 * pattern without a gate runs over the whole text.
 */
function scanText(ruleset: RuleSet, shapes: Shapes, path: string, out: Out): void {
  const text = shapes.text;
  const plan = planFor(ruleset);
  const applies = (rule: CompiledRule, gate: Gate | null): boolean =>
    gate === null || !gate.keywordCheck || hasKeyword(rule, shapes, path);
  for (const group of plan.groups) {
    if (!shapes.any(group.gate)) continue;
    // Whether a member applies (its rule's keyword is in the file) is asked only at its first hit:
    // the file-wide keyword search is skipped for files where the member's literals never show up.
    runGroup(group, (k) => applies(group.members[k]!.rule, group.members[k]!.gate), shapes, out);
  }
  for (const { rule, re, gate } of plan.single) {
    if (gate === null) {
      if (hasKeyword(rule, shapes, path)) runPattern(rule, re, text, out);
      continue;
    }
    if (!shapes.any(gate) || !applies(rule, gate)) continue;
    const { ms, offsets } = windowMatches(re, gate, shapes);
    for (let i = 0; i < ms.length; i++) report(rule, ms[i]!, offsets[i]!, out);
  }
}

/** The context checks of a scan of `text` itself. */
function plainOut(text: string, path: string, emit: Emit): Out {
  return { holds: (rule, start, end) => contextHolds(rule, text, path, start, end), emit };
}

/** Characters a backslash escape turns into control characters; other letters stand for themselves. */
const CONTROL_ESCAPES = new Set('nrtbf0');
/** `\"` `\'` `` \` `` `\\`: the `{{assign}}` macro reads escaped quotes as they are, and a backslash stays one. */
const KEPT_ESCAPES = new Set('"\'`\\');
const TOKEN_CHAR = /[0-9a-z+/_=-]/i;

/**
 * The escapes of a text that a view would change, found with one `indexOf` walk: `token` when one
 * may decode to a token character (a letter, digit, `+/_=-`: then a secret may be spelled with
 * escapes, `pat\u002dna1…`, `pat%2Dna1%2D…`, and only a view of the whole text can show it), else
 * the offsets of the others (`\n`, `\:`, `%20`, `%22`), which decode to characters that end tokens,
 * so every shape in their view is a shape in the text itself. Escaped quotes and backslashes are
 * left out (see KEPT_ESCAPES).
 */
function escapeMarks(text: string, kind: EscapeView['kind']): { token: boolean; marks: number[] } {
  const marks: number[] = [];
  if (kind === 'ansi') {
    // A terminal control sequence stands for nothing: inside a token (`pat-na1-ESC[1m…`) it joins it.
    for (let i = text.indexOf('\x1b'); i !== -1; i = text.indexOf('\x1b', i + 1)) {
      const size = controlSequenceAt(text, i);
      if (size === 0) continue;
      if (i > 0 && TOKEN_CHAR.test(text[i - 1]!) && TOKEN_CHAR.test(text[i + size] ?? '')) return { token: true, marks };
      marks.push(i);
    }
  } else if (kind === 'escaped') {
    for (let i = text.indexOf('\\'); i !== -1 && i + 1 < text.length; i = text.indexOf('\\', i + 2)) {
      const next = text[i + 1]!;
      if (KEPT_ESCAPES.has(next)) continue;
      // A line continuation inside a token (`pat-na1-3e8c\` then the rest on the next line) joins it.
      const after = next === '\n' ? i + 2 : next === '\r' && text[i + 2] === '\n' ? i + 3 : -1;
      if (after !== -1 && i > 0 && TOKEN_CHAR.test(text[i - 1]!) && TOKEN_CHAR.test(text[after] ?? '')) return { token: true, marks };
      if (TOKEN_CHAR.test(next) && !CONTROL_ESCAPES.has(next)) return { token: true, marks };
      marks.push(i);
    }
  } else {
    for (let i = text.indexOf('%'); i !== -1; i = text.indexOf('%', i + 1)) {
      const code = hex(text, i + 1, 2);
      if (code < 0) continue;
      if (TOKEN_CHAR.test(String.fromCharCode(code))) return { token: true, marks };
      marks.push(i);
    }
  }
  return { token: false, marks };
}

/** Characters kept around a local view, beyond the windows (lookarounds, a UUID's tail). */
const LOCAL_BEFORE = 32;
const LOCAL_AFTER = 96;

/** [start, end) spans, sorted and merged where they touch or overlap, as a flat list of pairs. */
function mergeSpans(spans: [number, number][]): number[] {
  spans.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [a, b] of spans) {
    if (out.length && a <= out[out.length - 1]!) out[out.length - 1] = Math.max(out[out.length - 1]!, b);
    else out.push(a, b);
  }
  return out;
}

/**
 * Around each prefilter window that `keep` takes (twice its reach before, as escapes and tags are
 * longer than what they stand for): merged [start, end) pairs, a local view's regions.
 */
function windowRegions(shapes: Shapes, plan: Plan, keep: (w: Window, gate: Gate, before: number, a: number, b: number) => boolean): number[] {
  const n = shapes.text.length;
  const spans: [number, number][] = [];
  for (const gate of plan.gates) {
    const before = windowKey(gate).before;
    for (const w of shapes.windowsFor(gate)) {
      const a = Math.max(0, w.start - before - LOCAL_BEFORE);
      const b = Math.min(n, w.end + LOCAL_AFTER);
      if (keep(w, gate, before, a, b)) spans.push([a, b]);
    }
  }
  return mergeSpans(spans);
}

/**
 * Where a view of escapes that end tokens can matter: around every prefilter window that holds one
 * of `marks` (within its region). Empty when no window has one.
 */
function localRegions(shapes: Shapes, plan: Plan, marks: readonly number[]): number[] {
  return windowRegions(shapes, plan, (_w, _gate, _before, a, b) => {
    // The first mark at or after a, before b.
    const k = countBelow(marks, a);
    return k < marks.length && marks[k]! < b;
  });
}

/** Views that take out layout (colours, tags, folds) rather than decode: what they find is plain. */
const LAYOUT_VIEWS: ReadonlySet<string> = new Set(['ansi', 'markup', 'folded']);

/**
 * Scan a decoded view of `text` (or of its part at `base`), reporting positions in `text`. The text's
 * keywords count in the view, and a match passes its context checks in the view or in the text.
 */
function scanView(ruleset: RuleSet, view: View | EscapeView, shapes: Shapes, base: number, path: string, out: Candidate[], minStart = 0): void {
  scanText(ruleset, new Shapes(view.text, shapes), path, {
    holds: (rule, vs, ve) => {
      const r = mapRange(view, vs, ve);
      if (r.start + base < minStart) return false;
      return contextHolds(rule, view.text, path, vs, ve) || contextHolds(rule, shapes.text, path, r.start + base, r.end + base);
    },
    emit: (rule, secret, vs, ve) => {
      const { start, end, decoded } = mapRange(view, vs, ve);
      // Terminal control sequences, tags or folds taken out leave the secret as the file holds it: plain.
      out.push({ rule, secret, start: start + base, end: end + base, encoding: decoded && !LAYOUT_VIEWS.has(view.kind) ? (view.kind as Encoding) : 'plain' });
    },
  });
}

/**
 * The escape / URL / terminal-colour view of a text: of the whole text when an escape may decode to
 * (or join) a token character or an ungated rule applies; else local views around the windows
 * holding an escape.
 */
function scanEscapes(kind: EscapeView['kind'], ruleset: RuleSet, shapes: Shapes, plan: Plan, path: string, out: Candidate[]): void {
  const text = shapes.text;
  if (text.indexOf(kind === 'escaped' ? '\\' : kind === 'url' ? '%' : '\x1b') === -1) return;
  const build = kind === 'escaped' ? escapedView : kind === 'url' ? urlView : ansiView;
  const { token, marks } = escapeMarks(text, kind);
  if (token || (marks.length > 0 && plan.ungated.some((rule) => hasKeyword(rule, shapes, path)))) {
    const view = build(text);
    if (view) scanView(ruleset, view, shapes, 0, path, out);
    return;
  }
  if (marks.length === 0) return;
  const regions = localRegions(shapes, plan, marks);
  for (let i = 0; i < regions.length; i += 2) {
    const from = regions[i]!;
    // The view starts LOCAL_BEFORE earlier, so a lookbehind (such as {{start}}) at the region's start
    // sees the real characters before it; a match starting in that extra part is not the region's.
    const cut = Math.max(0, from - LOCAL_BEFORE);
    const view = build(text.slice(cut, regions[i + 1]));
    if (view) scanView(ruleset, view, shapes, cut, path, out, from);
  }
}

/** How far before a possible secret markup may change how it reads (`</b> `, `</p>\n<p class=…>`, `</th>\n  <td>\n  `). */
const MARKUP_NEAR = 64;

/**
 * Where markup can change what a possible secret reads as: around each window whose shape is not
 * inside a tag (a form id in an attribute is gone from the view) and has markup just before it or
 * inside it (a tag or `&nbsp;` between a name and its value, a spell-check mark in a token).
 * Merged [start, end) pairs, as localRegions gives.
 */
function markupRegions(shapes: Shapes, plan: Plan): number[] {
  const text = shapes.text;
  const markupIn = (from: number, to: number): boolean => {
    const near = text.slice(Math.max(0, from), Math.min(text.length, to));
    return near.includes('<') || near.includes('&');
  };
  return windowRegions(shapes, plan, (w, gate, before) => {
    // A window of one shape (a UUID's or a hublet id's window ends one past its start): the shape is
    // where it ends. A merged window, or a run's, is kept when markup is anywhere in it.
    if (gate.kind === 'run' || w.end - w.start > before + 1) return markupIn(w.start, w.end + 48);
    const at = w.end - 1;
    const lt = text.lastIndexOf('<', at);
    if (lt !== -1 && lt > text.lastIndexOf('>', at)) return false;
    return markupIn(at - MARKUP_NEAR, at + 48);
  });
}

/** Files whose text is markup: HTML and XML documents and exports, mail, Markdown (inline HTML), calendar invites (an HTML description). */
const MARKUP_PATH = /\.(?:x?html?|xml|eml|mht(?:ml)?|rss|atom|md|markdown|ics)$/i;

/**
 * A markup file's text as its reader sees it (views.ts' markupView), around the windows that hold a
 * tag (a key's name is in the window before its value): what the rules find there that the text
 * itself does not show.
 */
function scanMarkup(ruleset: RuleSet, shapes: Shapes, plan: Plan, path: string, out: Candidate[]): void {
  if (!MARKUP_PATH.test(path)) return;
  const text = shapes.text;
  if (text.indexOf('<') === -1 && text.indexOf('&') === -1) return;
  const regions = markupRegions(shapes, plan);
  for (let i = 0; i < regions.length; i += 2) {
    const from = regions[i]!;
    const cut = Math.max(0, from - LOCAL_BEFORE);
    const view = markupView(text.slice(cut, regions[i + 1]));
    if (view) scanView(ruleset, view, shapes, cut, path, out, from);
  }
}

/**
 * Views read whole, by a file's kind: a soft break or a fold may cut a token anywhere. Quoted-printable
 * mail (that says so) with `=XX` undone and soft breaks joined; iCalendar, vCard and LDIF unfolded.
 */
const WHOLE_VIEWS: readonly { path: RegExp; says?: RegExp; build: (text: string) => EscapeView | null }[] = [
  { path: /\.(?:eml|mht(?:ml)?|mbox)$/i, says: /quoted-printable/i, build: quotedPrintableView },
  { path: /\.(?:ics|ifb|vcs|vcf|vcard|ldif)$/i, build: unfoldedView },
];

function scanWholeViews(ruleset: RuleSet, shapes: Shapes, path: string, out: Candidate[]): void {
  for (const v of WHOLE_VIEWS) {
    if (!v.path.test(path) || (v.says && !v.says.test(shapes.text))) continue;
    const view = v.build(shapes.text);
    if (view) scanView(ruleset, view, shapes, 0, path, out);
  }
}

/** Per rule set, one function (one call target for the JIT): whether a decoded payload is worth scanning. */
const interestingOf = new WeakMap<RuleSet, (decoded: string) => boolean>();

/**
 * What makes a decoded base64 payload worth scanning: a UUID shape, a rule's keyword, or — for a rule
 * without keywords — one of the literals its patterns start with. A keyword-less rule with a pattern
 * that has neither such a literal nor a UUID shape makes every text-like payload worth scanning.
 */
function interestingFor(ruleset: RuleSet): (decoded: string) => boolean {
  let interesting = interestingOf.get(ruleset);
  if (interesting) return interesting;
  const words = new Set(ruleset.keywords);
  let all = false;
  for (const rule of ruleset.rules) {
    if (rule.keywords.length) continue;
    rule.patterns.forEach((_, i) => {
      const lead = rule.leads[i];
      if (lead) for (const l of lead.literals) words.add(l.toLowerCase());
      else if (rule.gates[i]?.kind !== 'uuid' && rule.gates[i]?.kind !== 'hubhex') all = true;
    });
  }
  const list = [...words];
  interesting = (decoded: string): boolean => {
    if (all || UUIDISH.test(decoded)) return true;
    const lower = decoded.toLowerCase();
    return list.some((k) => lower.includes(k));
  };
  interestingOf.set(ruleset, interesting);
  return interesting;
}

/** Each rule's place in its rule set (the built-in ones first, then custom ones in config order). */
const ruleOrders = new WeakMap<RuleSet, Map<CompiledRule, number>>();

/**
 * Higher priority, then longer, then plain before decoded, then earlier, then the rule listed first:
 * which of overlapping candidates wins (never the order the prefilter happened to find them in).
 */
function betterIn(ruleset: RuleSet): (a: Candidate, b: Candidate) => number {
  let order = ruleOrders.get(ruleset);
  if (!order) ruleOrders.set(ruleset, (order = new Map(ruleset.rules.map((r, i) => [r, i]))));
  const at = order;
  return (a, b) =>
    b.rule.spec.priority - a.rule.spec.priority ||
    b.end - b.start - (a.end - a.start) ||
    (a.encoding === 'plain' ? -1 : 0) - (b.encoding === 'plain' ? -1 : 0) ||
    a.start - b.start ||
    (at.get(a.rule) ?? 0) - (at.get(b.rule) ?? 0);
}

/**
 * Keep the best of overlapping spans, best first (`better` < 0: a before b), each kept when it
 * overlaps none kept before; the kept ones in order of start. Spans only compete within a cluster
 * of ones that overlap in a chain (sorted by start), so each cluster is decided alone: the same
 * result as comparing each with every kept one, in O(n log n) however many a text holds (a log with
 * a token on every line), not O(n²).
 */
export function keepBest<T extends { start: number; end: number }>(spans: readonly T[], better: (a: T, b: T) => number): T[] {
  const byStart = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  const kept: T[] = [];
  for (let i = 0; i < byStart.length; ) {
    let j = i + 1;
    let end = byStart[i]!.end;
    while (j < byStart.length && byStart[j]!.start < end) end = Math.max(end, byStart[j++]!.end);
    if (j === i + 1) kept.push(byStart[i]!);
    else {
      const won: T[] = [];
      for (const c of byStart.slice(i, j).sort(better)) if (!won.some((k) => c.start < k.end && k.start < c.end)) won.push(c);
      kept.push(...won.sort((a, b) => a.start - b.start));
    }
    i = j;
  }
  return kept;
}

/** Whether a text is scanned on its bytes: they are given and each is one of its characters (see DetectInput). */
function readAsBytes(text: string, rawBytes: Uint8Array | undefined): rawBytes is Uint8Array {
  return rawBytes !== undefined && rawBytes.length === text.length;
}

/** What the rules find in a text itself and in its decoded views, overlapping ones and all. */
function candidates(text: string, rawBytes: Uint8Array | undefined, path: string, ruleset: RuleSet, options: DetectOptions): Candidate[] {
  const cands: Candidate[] = [];
  const bytes = readAsBytes(text, rawBytes) ? new ByteText(rawBytes) : undefined;
  const shapes = new Shapes(text, undefined, bytes);
  scanText(
    ruleset,
    shapes,
    path,
    plainOut(text, path, (rule, secret, start, end) => {
      cands.push({ rule, secret, start, end, encoding: 'plain' });
    }),
  );

  if (options.decode !== false) {
    const plan = planFor(ruleset);
    const interesting = interestingFor(ruleset);
    scanEscapes('escaped', ruleset, shapes, plan, path, cands);
    scanEscapes('url', ruleset, shapes, plan, path, cands);
    scanEscapes('ansi', ruleset, shapes, plan, path, cands);
    scanMarkup(ruleset, shapes, plan, path, cands);
    scanWholeViews(ruleset, shapes, path, cands);
    const view = base64View(text, interesting, shapes.runs());
    if (view) scanView(ruleset, view, shapes, 0, path, cands);
  }
  return cands;
}

/**
 * Records read as names and values (tables.ts: a table's cells under their columns' names, JSON
 * objects pairing a name and a value): what the rules find in a value there is found where it is in
 * the text. Each record is a text of its own: one record's context is not the next one's (a
 * HubSpot row does not make the Stripe row under it HubSpot's).
 */
function scanRecords(view: RecordView | null, path: string, ruleset: RuleSet, options: DetectOptions, out: Candidate[]): void {
  if (view === null) return;
  for (let r = 0; r + 1 < view.rows.length; r++) {
    const base = view.rows[r]!;
    for (const c of candidates(view.text.slice(base, view.rows[r + 1]), undefined, path, ruleset, options)) {
      const at = recordRange(view, base + c.start, base + c.end);
      if (at !== null) out.push({ ...c, ...at });
    }
  }
}

/** `text` with each non-breaking space (U+00A0) a space; `text` itself when it holds none. */
function withoutNbsp(text: string): string {
  return text.indexOf('\u00a0') === -1 ? text : text.replaceAll('\u00a0', ' ');
}

/** A candidate's secret as `original` spells it where it is found there (non-breaking spaces and all). */
function spelled(original: string, c: Candidate): string {
  const there = original.slice(c.start, c.end);
  return withoutNbsp(there) === c.secret ? there : c.secret;
}

/**
 * Find every HubSpot credential in `input.text`. Offsets, lines and columns refer to `input.text`
 * (1-based lines and columns, `endColumn` exclusive). For a secret found inside an encoded run
 * (base64, URL, escapes) the position is that of the encoded run; for one found in a record (a
 * table's cell, a JSON object's value), that of the value.
 */
export function detect(input: DetectInput, ruleset: RuleSet, options: DetectOptions = {}): Match[] {
  const original = input.text;
  // Non-breaking spaces between a name's words (a name copied from a web page, a wiki or a document:
  // `HubSpot API key`) read as spaces: the same length, so every offset holds, and a plain
  // secret is reported as the text spells it. A text read as bytes holds none (UTF-8 spells it in two).
  const text = readAsBytes(original, input.bytes) ? original : withoutNbsp(original);
  // Context may come from the file name (hubspot.ts, hubspot.config.yml), not from the folders above it.
  const path = (input.path ?? '').replace(/^.*[\\/]/, '');
  const cands = candidates(text, input.bytes, path, ruleset, options);
  if (options.records !== false) scanRecords(recordView(text, path), path, ruleset, options, cands);
  if (cands.length === 0) return [];

  const lines = new LineIndex(text);
  const loneCr = hasLoneCr(text);
  return keepBest(cands, betterIn(ruleset)).map((c) => {
    const s = lines.position(c.start);
    const e = lines.position(c.end);
    const gitLine = loneCr ? lines.gitLine(c.start) : s.line;
    const gitEndLine = loneCr ? lines.gitLine(c.end) : e.line;
    return {
      ...(gitLine !== s.line || gitEndLine !== e.line ? { gitLine, gitEndLine } : {}),
      ruleId: c.rule.id,
      secret: text === original ? c.secret : spelled(original, c),
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
