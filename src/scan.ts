/**
 * The scan pipeline: source events → detection core → findings (redacted) + stats.
 * Sources, suppression and reporting are plugged in by the caller; nothing here prints.
 */
import { detect } from './core/detect.js';
import { fingerprint, redact } from './core/redact.js';
import { decodeBytes, LineIndex } from './core/text.js';
import type { Finding, Match, RuleSet, Severity } from './core/types.js';
import type { SkipReason, SourceEvent, SourceItem } from './sources/types.js';

/** Raw secrets travel beside findings under a symbol key: JSON.stringify and spreads never see it. */
export const RAW_SECRET: unique symbol = Symbol('hubspot-secrets.raw');

export type ScannedFinding = Finding & { [RAW_SECRET]?: string };

export function rawSecret(f: Finding): string | undefined {
  return (f as ScannedFinding)[RAW_SECRET];
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
  /** Peak resident set size during the scan, in MB. */
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

export function emptyStats(): ScanStats {
  return { files: 0, bytes: 0, skipped: 0, skippedBy: {}, suppressed: {}, durationMs: 0, peakRssMb: 0 };
}

/** Turn matches in one item into findings (redaction, fingerprint, severity), applying line filters. */
export function toFindings(item: SourceItem, matches: readonly Match[], opts: ScanOptions): ScannedFinding[] {
  const out: ScannedFinding[] = [];
  for (const m of matches) {
    if (item.lines && !item.lines.has(m.line)) continue;
    const rule = opts.ruleset.byId.get(m.ruleId)!;
    const f: ScannedFinding = {
      ruleId: m.ruleId,
      title: rule.spec.title,
      severity: opts.severity?.get(m.ruleId) ?? rule.spec.severity,
      path: item.path,
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

/** Decode an item's content to text, or say why it cannot be scanned. */
export function itemText(item: SourceItem): { text: string } | { skip: SkipReason; detail: string } {
  if (typeof item.content === 'string') return { text: item.content };
  const d = decodeBytes(item.content);
  if (d.kind === 'binary') return { skip: 'binary', detail: d.reason };
  return { text: d.text };
}

export async function scan(events: AsyncIterable<SourceEvent> | Iterable<SourceEvent>, opts: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const stats = emptyStats();
  const findings: ScannedFinding[] = [];
  const suppressed: ScanResult['suppressed'] = [];
  const warnings: ScanWarning[] = [];
  let incomplete = false;
  let peak = process.memoryUsage.rss();

  const skip = (path: string, reason: SkipReason, detail?: string): void => {
    stats.skipped++;
    stats.skippedBy[reason] = (stats.skippedBy[reason] ?? 0) + 1;
    if (WARN_REASONS.has(reason)) warnings.push({ path, reason, message: detail ?? reason });
  };

  for await (const ev of events) {
    if (opts.signal?.aborted) {
      incomplete = true;
      break;
    }
    if (ev.kind === 'skip') {
      skip(ev.path, ev.reason, ev.detail);
      continue;
    }
    const decoded = itemText(ev);
    if ('skip' in decoded) {
      skip(ev.path, decoded.skip, decoded.detail);
      continue;
    }
    stats.files++;
    stats.bytes += typeof ev.content === 'string' ? Buffer.byteLength(ev.content) : ev.content.byteLength;
    const matches = detect({ text: decoded.text, path: ev.path }, opts.ruleset, { decode: opts.decode });
    if (matches.length) {
      let lines: LineIndex | undefined;
      const ctx: Omit<SuppressContext, 'match'> = {
        item: ev,
        lineText: (n) => (lines ??= new LineIndex(decoded.text)).lineText(n),
      };
      const fs = toFindings(ev, matches, opts);
      for (let i = 0; i < fs.length; i++) {
        const f = fs[i]!;
        const by = opts.suppress?.(f, { ...ctx, match: matches.find((m) => m.line === f.line && m.column === f.column)! });
        if (by) {
          stats.suppressed[by] = (stats.suppressed[by] ?? 0) + 1;
          suppressed.push(Object.assign(f, { suppressedBy: by }));
        } else {
          findings.push(f);
        }
      }
    }
    if ((stats.files & 63) === 0) peak = Math.max(peak, process.memoryUsage.rss());
    opts.onProgress?.(stats);
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  stats.peakRssMb = Math.round((peak / 1048576) * 10) / 10;
  stats.durationMs = Math.round(performance.now() - started);
  return { findings, suppressed, stats, warnings, incomplete };
}
