/**
 * The scan pipeline: source events → detection core → findings (redacted) + stats.
 * Sources, suppression and reporting are plugged in by the caller; nothing here prints.
 */
import { fingerprint, maskCredentials, redact } from './core/redact.js';
import type { Finding, Match, RuleSet, Severity } from './core/types.js';
import { chunkPlanFor, readItem, untilAborted, type ChunkPlan } from './read.js';
import type { SkipReason, SourceItem, SourceOutput } from './sources/types.js';

/** Raw secrets travel beside findings under a symbol key: JSON.stringify and spreads never see it. */
export const RAW_SECRET: unique symbol = Symbol('hubspot-secrets.raw');

export type ScannedFinding = Finding & { [RAW_SECRET]?: string };

export function rawSecret(f: Finding): string | undefined {
  return (f as ScannedFinding)[RAW_SECRET];
}

/** A copy of a finding that keeps its raw secret (a spread does not: the key is not enumerable). */
export function copyFinding<T extends ScannedFinding>(f: T): T {
  const copy = { ...f };
  const raw = rawSecret(f);
  if (raw !== undefined) Object.defineProperty(copy, RAW_SECRET, { value: raw, enumerable: false });
  return copy;
}

export type SuppressionSource = 'baseline' | 'inline' | 'config';

export interface SuppressContext {
  item: SourceItem;
  match: Match;
  /** The text of a 1-based line of the item (for inline allow comments). */
  lineText(line: number): string;
}

export interface ScanOptions {
  ruleset: RuleSet;
  /** Put raw secrets in `secret` instead of previews (--show-secrets). */
  showSecrets?: boolean;
  /** Look inside base64 / URL / escaped text. Default true. */
  decode?: boolean;
  /** Severity overrides per rule id (config). */
  severity?: ReadonlyMap<string, Severity>;
  /** Decide whether a finding is suppressed, and by what. */
  suppress?: (finding: Finding, ctx: SuppressContext) => SuppressionSource | null;
  /** Called after every item (progress display). */
  onProgress?: (stats: ScanStats) => void;
  /** Stop early (Ctrl-C). */
  signal?: AbortSignal;
  /** How big content is read and scanned in windows (default: 4 MiB windows, overlap from the rules). */
  chunkPlan?: ChunkPlan;
}

export interface ScanStats {
  /** Items scanned (files, blobs, messages). */
  files: number;
  bytes: number;
  /** Items skipped, all reasons together. */
  skipped: number;
  skippedBy: Partial<Record<SkipReason, number>>;
  /** Findings suppressed, by what suppressed them. */
  suppressed: Partial<Record<SuppressionSource, number>>;
  durationMs: number;
  /** Peak resident set size of the process (the kernel's high-water mark), in MB. */
  peakRssMb: number;
}

export interface ScanWarning {
  path: string;
  reason: SkipReason;
  message: string;
}

export interface ScanResult {
  findings: ScannedFinding[];
  suppressed: (ScannedFinding & { suppressedBy: SuppressionSource })[];
  stats: ScanStats;
  /** Skips worth telling the user about (unreadable, too large). */
  warnings: ScanWarning[];
  /** True when the scan stopped before the source was exhausted (abort). */
  incomplete: boolean;
}

const WARN_REASONS: ReadonlySet<SkipReason> = new Set(['unreadable', 'too-large']);

/** The process's peak resident set size so far (the kernel's high-water mark, so no peak between samples is missed), in bytes. */
function peakRss(): number {
  return Math.max(process.resourceUsage().maxRSS * 1024, process.memoryUsage.rss());
}

export function emptyStats(): ScanStats {
  return { files: 0, bytes: 0, skipped: 0, skippedBy: {}, suppressed: {}, durationMs: 0, peakRssMb: 0 };
}

/** Turn matches in one item into findings (redaction, fingerprint, severity), applying line filters. */
export function toFindings(item: SourceItem, matches: readonly Match[], opts: ScanOptions): ScannedFinding[] {
  const out: ScannedFinding[] = [];
  for (const m of matches) {
    // Added lines are git's: only `\n` ends a line there (see Match.gitLine). A match over several
    // lines (in a wrapped base64 block) counts when any of them is added.
    if (item.lines && !item.lines.overlaps(m.gitLine ?? m.line, m.gitEndLine ?? m.endLine)) continue;
    const rule = opts.ruleset.byId.get(m.ruleId)!;
    const f: ScannedFinding = {
      ruleId: m.ruleId,
      title: rule.spec.title,
      severity: opts.severity?.get(m.ruleId) ?? rule.spec.severity,
      path: item.path,
      // A member's name is the archive author's: a token in it is shown as one in a message is.
      ...(m.entry !== undefined ? { entry: maskCredentials(m.entry) } : {}),
      line: m.line,
      column: m.column,
      endLine: m.endLine,
      endColumn: m.endColumn,
      secret: opts.showSecrets ? m.secret : redact(m.secret, rule),
      fingerprint: fingerprint(m.ruleId, m.secret, item.path),
      encoding: m.encoding,
      ...(item.commit ? { commit: item.commit } : {}),
    };
    Object.defineProperty(f, RAW_SECRET, { value: m.secret, enumerable: false });
    out.push(f);
  }
  return out;
}

export async function scan(events: AsyncIterable<SourceOutput> | Iterable<SourceOutput>, opts: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const stats = emptyStats();
  const findings: ScannedFinding[] = [];
  const suppressed: ScanResult['suppressed'] = [];
  const warnings: ScanWarning[] = [];
  let incomplete = false;
  const plan = opts.chunkPlan ?? chunkPlanFor(opts.ruleset);

  const skip = (path: string, reason: SkipReason, detail?: string, warn?: boolean): void => {
    countSkipped(stats, reason, 1);
    if (warn || WARN_REASONS.has(reason)) warnings.push({ path, reason, message: detail ?? reason });
  };

  /** One item's read result into stats and findings; 'stop' when the read was cut short (Ctrl-C). */
  const take = (ev: SourceItem, read: Awaited<ReturnType<typeof readItem>>): 'stop' | void => {
    if (read.kind === 'skip') {
      skip(ev.path, read.reason, read.detail);
      return;
    }
    if (read.aborted) return 'stop';
    stats.files++;
    stats.bytes += read.bytes;
    // Scanned, but not all of it (an archive's encrypted members): said, and --strict fails on it.
    if (read.note !== undefined) warnings.push({ path: ev.path, reason: 'unreadable', message: read.note });
    const matches = read.matches;
    if (!matches.length) return;
    const ctx: Omit<SuppressContext, 'match'> = { item: ev, lineText: read.lineText };
    const fs = toFindings(ev, matches, opts);
    // Each finding's match, by its place (the first one there); a Map, not a search per finding: a
    // file may hold thousands.
    let at: Map<string, Match> | undefined;
    const matchOf = (f: ScannedFinding): Match => {
      if (!at) {
        at = new Map();
        for (const m of matches) {
          const k = `${m.entry === undefined ? '' : maskCredentials(m.entry)}\0${m.line}:${m.column}`;
          if (!at.has(k)) at.set(k, m);
        }
      }
      return at.get(`${f.entry ?? ''}\0${f.line}:${f.column}`)!;
    };
    for (let i = 0; i < fs.length; i++) {
      const f = fs[i]!;
      const by = opts.suppress?.(f, { ...ctx, match: matchOf(f) });
      if (by) {
        recordSuppressed(stats, suppressed, f, by);
      } else {
        findings.push(f);
      }
    }
  };

  // untilAborted: Ctrl-C stops the scan at once, even while a source waits (stdin, a slow disk).
  outer: for await (const out of untilAborted(events, opts.signal)) {
    if (out.kind === 'batch' && out.clean) {
      stats.files += out.clean.items;
      stats.bytes += out.clean.bytes;
    }
    for (const ev of out.kind === 'batch' ? out.events : [out]) {
      if (opts.signal?.aborted) break outer;
      if (ev.kind === 'skip') {
        skip(ev.path, ev.reason, ev.detail, ev.warn);
        continue;
      }
      // Items scanned by the source (worker threads) need no await here.
      const read = ev.scanned
        ? { kind: 'text' as const, aborted: false, ...ev.scanned }
        : await readItem(ev, opts.ruleset, { decode: opts.decode, plan, signal: opts.signal });
      if (take(ev, read) === 'stop') break outer;
    }
    opts.onProgress?.(stats);
  }
  if (opts.signal?.aborted) incomplete = true;
  stats.peakRssMb = Math.round((peakRss() / 1048576) * 10) / 10;
  stats.durationMs = Math.round(performance.now() - started);
  // Sources read concurrently; reports must not depend on which read finished first.
  findings.sort(byLocation);
  suppressed.sort(byLocation);
  warnings.sort((a, b) => compareText(a.path, b.path) || compareText(a.message, b.message));
  return { findings, suppressed, stats, warnings, incomplete };
}

/**
 * Suppress, after the scan, the findings `by` names a source for (what could only be decided once
 * their real path was known: HistorySource.annotate); they move to `suppressed` and are counted.
 */
export function suppressAfter(result: ScanResult, by: (f: ScannedFinding) => SuppressionSource | null): void {
  const kept: ScannedFinding[] = [];
  let moved = false;
  for (const f of result.findings) {
    const source = by(f);
    if (!source) {
      kept.push(f);
      continue;
    }
    recordSuppressed(result.stats, result.suppressed, f, source);
    moved = true;
  }
  result.findings = kept;
  if (moved) result.suppressed.sort(byLocation);
}

/**
 * Drop, after the scan, the findings (and suppressed ones) in paths the config ignores, counted as
 * `scan` counts an ignored file: once per path (what could only be decided on their real paths).
 */
export function ignoreAfter(result: ScanResult, ignored: (f: ScannedFinding) => boolean): void {
  const paths = new Set<string>();
  const keep = (f: ScannedFinding): boolean => {
    if (!ignored(f)) return true;
    paths.add(f.path);
    return false;
  };
  result.findings = result.findings.filter(keep);
  result.suppressed = result.suppressed.filter(keep);
  countSkipped(result.stats, 'ignored', paths.size);
}

function recordSuppressed(stats: ScanStats, suppressed: ScanResult['suppressed'], f: ScannedFinding, by: SuppressionSource): void {
  stats.suppressed[by] = (stats.suppressed[by] ?? 0) + 1;
  suppressed.push(Object.assign(f, { suppressedBy: by }));
}

function countSkipped(stats: ScanStats, reason: SkipReason, n: number): void {
  if (n === 0) return;
  stats.skipped += n;
  stats.skippedBy[reason] = (stats.skippedBy[reason] ?? 0) + n;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Report order: path, line, column, rule, then commit sha (stable whatever order sources yield in). */
function byLocation(a: Finding, b: Finding): number {
  return (
    compareText(a.path, b.path) ||
    compareText(a.entry ?? '', b.entry ?? '') ||
    a.line - b.line ||
    a.column - b.column ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.commit?.sha ?? '', b.commit?.sha ?? '')
  );
}
