/**
 * Suppression: the pipeline's `suppress` hook, from inline comments, the config's `allow` list and
 * the baseline. Suppressed findings are counted and listed (--show-suppressed), never dropped.
 */
import path from 'node:path';
import type { Finding } from '../core/types.js';
import { rawSecret, type SuppressContext, type SuppressionSource } from '../scan.js';
import { baselineKey, type Baseline } from './baseline.js';
import type { Config } from './load.js';
import { relativeTo } from '../paths.js';

/** `hubspot-secrets:allow` (not followed by `-next-line` or another name character). */
const ALLOW_SAME_LINE = /hubspot-secrets:allow(?![\w-])/;
const ALLOW_NEXT_LINE = /hubspot-secrets:allow-next-line(?![\w-])/;

/**
 * Per text (its `lineText`), per line: which allow comments it holds (1: `allow`, 2: `allow-next-line`).
 * Each line is searched once however many findings it holds: a 3 MB one-line file with 30,000
 * findings searched its line once per finding (35 s; found by a trial).
 */
const allowsByText = new WeakMap<(line: number) => string, Map<number, number>>();

function allowsOn(line: number, lineText: (line: number) => string): number {
  let lines = allowsByText.get(lineText);
  if (!lines) allowsByText.set(lineText, (lines = new Map()));
  let found = lines.get(line);
  if (found === undefined) {
    const text = lineText(line);
    found = text.includes('hubspot-secrets:allow') ? (ALLOW_SAME_LINE.test(text) ? 1 : 0) | (ALLOW_NEXT_LINE.test(text) ? 2 : 0) : 0;
    lines.set(line, found);
  }
  return found;
}

/** True when the finding's line carries `hubspot-secrets:allow`, or the line before `…:allow-next-line`. */
export function inlineAllowed(f: Pick<Finding, 'line'>, lineText: (line: number) => string): boolean {
  if (allowsOn(f.line, lineText) & 1) return true;
  return f.line > 1 && (allowsOn(f.line - 1, lineText) & 2) !== 0;
}

/** True when an `allow` entry of the config covers the finding. Paths are reported relative to `reportDir`. */
export function configAllowed(f: Finding, config: Config, reportDir: string): boolean {
  if (!config.allow.length) return false;
  const secret = rawSecret(f);
  // A commit or tag message (and in an audit a note or a blob no commit holds) is named by a label in
  // angle brackets, not a file: a path glob is about files (`**/*commit*` allowed a token in a commit
  // message: found by a trial). A file named like a label is then not allowed by path: reported.
  const notFile = f.commit?.message === true || (f.commit !== undefined && f.path.startsWith('<') && f.path.endsWith('>'));
  let rel: string | null | undefined;
  for (const a of config.allow) {
    if (a.rules && !a.rules.has(f.ruleId)) continue;
    if (a.value !== undefined && secret !== a.value) continue;
    if (a.regex && (secret === undefined || !a.regex.test(secret))) continue;
    if (a.path) {
      if (notFile) continue;
      rel ??= relativeTo(config.baseDir, path.resolve(reportDir, f.path));
      if (rel === null || !a.path(rel)) continue;
    }
    return true;
  }
  return false;
}

export interface SuppressorOptions {
  config: Config;
  baseline: Baseline | null;
  /** The folder finding paths are relative to. */
  reportDir: string;
}

/**
 * What depends on a finding's path and value, not on its line's text: the config's `allow` list,
 * then the baseline. An audit applies it once a blob's real path is known (HistorySource.annotate).
 */
export function makePathSuppressor(o: SuppressorOptions): PathSuppressor {
  const baselineDir = o.baseline ? path.dirname(o.baseline.file) : '';
  return (f) => {
    if (configAllowed(f, o.config, o.reportDir)) return 'config';
    if (o.baseline && o.baseline.fingerprints.has(baselineKey(f, baselineDir, o.reportDir).fingerprint)) return 'baseline';
    return null;
  };
}

/**
 * The suppression hook of a history scan (`audit`, the Action's history). A blob's path is only the
 * one rev-list saw first until HistorySource.annotate maps it, so a blob finding is suppressed here
 * by its line's text alone; its path rules (makePathSuppressor) wait for annotate. A commit message
 * gets the whole hook.
 */
export function historySuppress(byPath: PathSuppressor): Suppressor {
  return (f, ctx) => (inlineAllowed(f, ctx.lineText) ? 'inline' : ctx.item.blob === undefined ? byPath(f) : null);
}

/** The `ScanOptions.suppress` hook. Order: inline, then the path rules (config, then baseline). */
export function makeSuppressor(byPath: PathSuppressor): Suppressor {
  return (f, ctx) => (inlineAllowed(f, ctx.lineText) ? 'inline' : byPath(f));
}

export type Suppressor = (f: Finding, ctx: SuppressContext) => SuppressionSource | null;
export type PathSuppressor = (f: Finding) => SuppressionSource | null;
